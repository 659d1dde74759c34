import { FullShutdownFault } from '../src/faults/full-shutdown-fault.js';
import { ForceBootRecovery } from '../src/recoveries/force-boot-recovery.js';
import { ForceLoadFileRecovery } from '../src/recoveries/force-load-file-recovery.js';
import { NoRecovery } from '../src/recoveries/no-recovery.js';
import { ParallelRestartRecovery } from '../src/recoveries/parallel-restart-recovery.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * Field notes, "whole-cluster restart": after every pod stopped, nodes hang at `Waiting for Mnesia tables`.
 * Under OrderedReady pod-0 (the first to stop) starts first and waits for peers that are never started.
 */
export const fullShutdown = defineScenario({
  name: 'full-shutdown',
  description: 'every node stops gracefully (0..N-1), then the StatefulSet restarts them under OrderedReady',
  fault: new FullShutdownFault(),
  methods: [
    { recovery: new NoRecovery(), expected: { outcome: 'not-recovered' } },
    { recovery: new ForceBootRecovery(), expected: { outcome: 'recovered', messages: 'kept' } },
    { recovery: new ForceLoadFileRecovery(), expected: { outcome: 'recovered', messages: 'kept' } },
    { recovery: new ParallelRestartRecovery(), expected: { outcome: 'recovered', messages: 'kept' } },
  ],
});

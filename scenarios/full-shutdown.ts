import { FullShutdownFault } from '../src/faults/full-shutdown-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
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
    // Measured (2026-11-30, report full-shutdown none): pod 0 gives up waiting for tables, OrderedReady never starts 1, 2.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-tables') })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
  ],
});

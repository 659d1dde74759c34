import { FullShutdownFault } from '../src/faults/full-shutdown-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/** On Khepri a lone pod 0 cannot elect a metadata store leader, and OrderedReady never starts the others. */
const KHEPRI_DEADLOCK = Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-leader');

/**
 * Field notes, "whole-cluster restart": after every pod stopped, nodes hang at `Waiting for Mnesia tables`.
 * Under OrderedReady pod-0 (the first to stop) starts first and waits for peers that are never started.
 * On Khepri (4.x) the same start order leaves pod 0 without a Raft majority: `timeout_waiting_for_leader`.
 *
 * Expectations per release, each from a run on 2026-11-30 (`npm run scenario full-shutdown -- --rabbitmq …`):
 * - 3.10/mnesia: report full-shutdown (the matrix run).
 * - 4.3/khepri (4.3.6, Erlang 29.1.1): /tmp/fs43. force_boot exits 0 and writes force_load, which Khepri never
 *   reads (still there after the failed boot); force-load-file finds no table wait to act on; a fresh install
 *   plus definitions import recovers with every message lost; Parallel recovers all 400.
 */
export const fullShutdown = defineScenario({
  name: 'full-shutdown',
  description: 'every node stops gracefully (0..N-1), then the StatefulSet restarts them under OrderedReady',
  fault: new FullShutdownFault(),
  methods: [
    // 3.10 (2026-11-30, report full-shutdown none): pod 0 gives up waiting for tables, OrderedReady never starts 1, 2.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-tables'), '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.3/khepri': Expect.staysDown('timeout-waiting-for-leader') })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost(), '4.3/khepri': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
  ],
});

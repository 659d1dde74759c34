import { FullShutdownFault } from '../src/faults/full-shutdown-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { EITHER_RECOVERS, FRESH_POD_4_0_BY_POLICY, KHEPRI_DEADLOCK, KHEPRI_DEADLOCK_ORDERED_READY_ONLY, MNESIA_DEADLOCK, STANDALONE_POD_0_ALONE_BY_POLICY, UNDER_PARALLEL_RECOVERS } from './release-outcomes.js';

/**
 * Field notes, "whole-cluster restart": after every pod stopped, nodes hang at `Waiting for Mnesia tables`.
 * Under OrderedReady pod-0 (the first to stop) starts first and waits for peers that are never started.
 * On Khepri (4.x) the same start order leaves pod 0 without a Raft majority: `timeout_waiting_for_leader`.
 *
 * Expectations per release, each from a run on 2026-11-30 (`npm run scenario full-shutdown -- --rabbitmq …`):
 * - 3.10/mnesia: report full-shutdown (the matrix run).
 * - 4.3/khepri (4.3.6, Erlang 29.1.1): /tmp/fs43. force_boot exits 0 and writes force_load, which Khepri never
 *   reads (still there after the failed boot); force-load-file finds no table wait to act on; a fresh install
 *   plus definitions import recovers with every message lost; Parallel recovers all 400. force-load-file's
 *   deadlock diagnosis is from the later run of test/integration/releases.test.ts (passed, 358 s), once the method
 *   stopped waiting for a table wait that never comes.
 * - 4.0/khepri (4.0.5, Erlang 27.3.4.1): /tmp/fs40k. As 4.3, except definitions-reimport: the fresh pod 0 was still
 *   in peer discovery ("DB: virgin node -> run peer discovery", nothing after) when the 120 s deadline came.
 * - 4.0/mnesia: /tmp/fs40m. As 3.10 (force boot and force_load recover, 0 lost), except definitions-reimport, which
 *   outlasts the deadline as on 4.0/khepri.
 */
/*
 * Under Parallel (runs of 2026-12-01/02, `… --start-policy Parallel --rabbitmq S --metadata-store M`, reports
 * /tmp/par/full-shutdown[-S-M]): every pod starts at once and the cluster comes back with every message by itself;
 * see release-outcomes.ts for what each method then shows.
 */
export const fullShutdown = defineScenario({
  name: 'full-shutdown',
  description: 'every node stops gracefully (0..N-1), then the StatefulSet restarts them under its start policy',
  fault: new FullShutdownFault(),
  methods: [
    // 3.10 (2026-11-30, report full-shutdown none): pod 0 gives up waiting for tables, OrderedReady never starts 1, 2.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/khepri': UNDER_PARALLEL_RECOVERS(KHEPRI_DEADLOCK), '4.3/khepri': UNDER_PARALLEL_RECOVERS(KHEPRI_DEADLOCK) })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.underEitherStartPolicy(Expect.recoversMessagesLost()), '4.0/mnesia': FRESH_POD_4_0_BY_POLICY, '4.0/khepri': FRESH_POD_4_0_BY_POLICY, '4.3/khepri': Expect.underEitherStartPolicy(Expect.recoversMessagesLost()) })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': EITHER_RECOVERS, '4.3/khepri': EITHER_RECOVERS })),
    method(Recoveries.forceStandaloneKhepriBoot(), Expect.byRelease({ '3.10/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/khepri': STANDALONE_POD_0_ALONE_BY_POLICY, '4.3/khepri': STANDALONE_POD_0_ALONE_BY_POLICY })),
  ],
});

import { DeleteAllPodsFault } from '../src/faults/delete-all-pods-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { EITHER_RECOVERS, FRESH_POD_4_0_BY_POLICY, KHEPRI_DEADLOCK, KHEPRI_DEADLOCK_ORDERED_READY_ONLY, MNESIA_DEADLOCK, STANDALONE_POD_0_ALONE_BY_POLICY, UNDER_PARALLEL_RECOVERS } from './release-outcomes.js';

/**
 * Field notes, "all pods deleted at once": kill -9 leaves every node believing its peers were still running,
 * so under OrderedReady pod-0 waits for them, fails, and the rest are never started.
 */
/*
 * Under Parallel (runs of 2026-12-01/02, `… --start-policy Parallel --rabbitmq S --metadata-store M`, reports
 * /tmp/par/delete-all-pods[-S-M]): as full-shutdown, every pod starts at once and the cluster comes back by itself.
 */
export const deleteAllPods = defineScenario({
  name: 'delete-all-pods',
  description: 'every pod killed at once (kill -9), then the StatefulSet restarts them under its start policy',
  fault: new DeleteAllPodsFault(),
  methods: [
    // 4.x: runs of 2026-12-01 (`npm run scenario delete-all-pods -- --rabbitmq …`, reports /tmp/x/<release>/deleteallpods).
    // Measured (2026-11-30, report delete-all-pods none): as after a full shutdown, pod 0 waits for peers never started.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/khepri': UNDER_PARALLEL_RECOVERS(KHEPRI_DEADLOCK), '4.3/khepri': UNDER_PARALLEL_RECOVERS(KHEPRI_DEADLOCK) })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY, '4.3/khepri': KHEPRI_DEADLOCK_ORDERED_READY_ONLY })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.underEitherStartPolicy(Expect.recoversMessagesLost()), '4.0/mnesia': FRESH_POD_4_0_BY_POLICY, '4.0/khepri': FRESH_POD_4_0_BY_POLICY, '4.3/khepri': Expect.underEitherStartPolicy(Expect.recoversMessagesLost()) })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': EITHER_RECOVERS, '4.0/mnesia': EITHER_RECOVERS, '4.0/khepri': EITHER_RECOVERS, '4.3/khepri': EITHER_RECOVERS })),
    method(Recoveries.forceStandaloneKhepriBoot(), Expect.byRelease({ '3.10/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/mnesia': UNDER_PARALLEL_RECOVERS(MNESIA_DEADLOCK), '4.0/khepri': STANDALONE_POD_0_ALONE_BY_POLICY, '4.3/khepri': STANDALONE_POD_0_ALONE_BY_POLICY })),
  ],
});

import { DeleteAllPodsFault } from '../src/faults/delete-all-pods-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { FRESH_POD_STILL_DISCOVERING, KHEPRI_DEADLOCK, MNESIA_DEADLOCK, STANDALONE_POD_0_ALONE } from './release-outcomes.js';

/**
 * Field notes, "all pods deleted at once": kill -9 leaves every node believing its peers were still running,
 * so under OrderedReady pod-0 waits for them, fails, and the rest are never started.
 */
export const deleteAllPods = defineScenario({
  name: 'delete-all-pods',
  description: 'every pod killed at once (kill -9), then the StatefulSet restarts them under OrderedReady',
  fault: new DeleteAllPodsFault(),
  methods: [
    // 4.x: runs of 2026-12-01 (`npm run scenario delete-all-pods -- --rabbitmq …`, reports /tmp/x/<release>/deleteallpods).
    // Measured (2026-11-30, report delete-all-pods none): as after a full shutdown, pod 0 waits for peers never started.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': MNESIA_DEADLOCK, '4.0/mnesia': MNESIA_DEADLOCK, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost(), '4.0/mnesia': FRESH_POD_STILL_DISCOVERING, '4.0/khepri': FRESH_POD_STILL_DISCOVERING, '4.3/khepri': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
    method(Recoveries.forceStandaloneKhepriBoot(), Expect.byRelease({ '3.10/mnesia': MNESIA_DEADLOCK, '4.0/mnesia': MNESIA_DEADLOCK, '4.0/khepri': STANDALONE_POD_0_ALONE, '4.3/khepri': STANDALONE_POD_0_ALONE })),
  ],
});

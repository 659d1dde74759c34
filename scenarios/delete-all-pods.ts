import { DeleteAllPodsFault } from '../src/faults/delete-all-pods-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * Field notes, "all pods deleted at once": kill -9 leaves every node believing its peers were still running,
 * so under OrderedReady pod-0 waits for them, fails, and the rest are never started.
 */
export const deleteAllPods = defineScenario({
  name: 'delete-all-pods',
  description: 'every pod killed at once (kill -9), then the StatefulSet restarts them under OrderedReady',
  fault: new DeleteAllPodsFault(),
  methods: [
    // Measured (2026-11-30, report delete-all-pods none): as after a full shutdown, pod 0 waits for peers never started.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-tables') })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
  ],
});

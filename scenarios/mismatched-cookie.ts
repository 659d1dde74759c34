import { MismatchedCookieFault } from '../src/faults/mismatched-cookie-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * Field notes, "reinstall on old PVCs": a new Secret (cookie and password both regenerated) meets volumes that
 * hold the old cluster. The cookie is not stored with the data; what breaks is the start order after helm
 * delete, and the password: its hash lives in the data, so clients holding the new Secret are refused.
 */
export const mismatchedCookieRolling = defineScenario({
  name: 'mismatched-cookie',
  rollout: 'rolling',
  description: 'helm upgrade without the old values: pods replaced one by one with a regenerated cookie and password',
  fault: new MismatchedCookieFault('rolling'),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.restoreCredentials(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('split-cluster') })),
    // Changed from the design's "split cluster" with evidence (run 2026-11-26, report mismatched-cookie
    // --rollout rolling): this runbook deletes EVERY pod, healthy old-cookie ones too, so all come back on the
    // new Secret; pod-0 force-boots alone, its data refuses the new password (ACCESS_REFUSED), it never gets
    // ready, and OrderedReady never creates pods 1 and 2. One node alone, not two clusters.
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('split-cluster') })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
  ],
});

export const mismatchedCookie = defineScenario({
  name: 'mismatched-cookie',
  rollout: 'reinstall',
  description: 'helm delete (volumes kept) + helm install with a regenerated Secret: new Erlang cookie and new password',
  fault: new MismatchedCookieFault('reinstall'),
  methods: [
    // Measured (2026-11-30, report mismatched-cookie none): pod 0 stopped last, boots alone, and its data refuses the
    // regenerated password; it never gets ready, so pods 1 and 2 are never created.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.restoreCredentials(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('access-refused') })),
  ],
  variants: { rolling: mismatchedCookieRolling },
});

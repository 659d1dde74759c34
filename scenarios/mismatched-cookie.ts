import { MismatchedCookieFault } from '../src/faults/mismatched-cookie-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { FRESH_POD_STILL_DISCOVERING, KHEPRI_DEADLOCK } from './release-outcomes.js';

const REFUSED = Expect.staysDown('access-refused');
/** Khepri, rolling: pods 0 and 1 run on together and refuse the new password; pod 2 never gets a leader. */
const REFUSED_POD_2_LEADERLESS = Expect.staysDown('access-refused', 'timeout-waiting-for-leader');

/**
 * Field notes, "reinstall on old PVCs": a new Secret (cookie and password both regenerated) meets volumes that
 * hold the old cluster. The cookie is not stored with the data; what breaks is the start order after helm
 * delete, and the password: its hash lives in the data, so clients holding the new Secret are refused.
 */
/**
 * Khepri after helm delete (scale to 0: pod 0 stops last) and a reinstall: pod 0 boots alone and cannot elect a
 * metadata store leader, so OrderedReady never starts pods 1 and 2, whatever the Secret holds (Mnesia lets the node
 * that stopped last boot alone; Khepri has no such rule).
 * 4.x expectations from runs of 2026-12-01 (`npm run scenario mismatched-cookie [-- --rollout rolling] --rabbitmq …`,
 * reports /tmp/x/<release>/mismatchedcookie*): 4.3.6/khepri, 4.0.5/khepri and 4.0.5/mnesia.
 */
export const mismatchedCookieRolling = defineScenario({
  name: 'mismatched-cookie',
  variant: { option: '--rollout', value: 'rolling' },
  description: 'helm upgrade without the old values: pods replaced one by one with a regenerated cookie and password',
  fault: new MismatchedCookieFault('rolling'),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': REFUSED, '4.3/khepri': REFUSED })),
    method(Recoveries.restoreCredentials(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': Expect.recovers() })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('split-cluster'), '4.0/mnesia': Expect.staysDown('split-cluster'), '4.0/khepri': REFUSED_POD_2_LEADERLESS, '4.3/khepri': REFUSED_POD_2_LEADERLESS })),
    // Changed from the design's "split cluster" with evidence (run 2026-11-26, report mismatched-cookie
    // --rollout rolling): this runbook deletes EVERY pod, healthy old-cookie ones too, so all come back on the
    // new Secret; pod-0 force-boots alone, its data refuses the new password (ACCESS_REFUSED), it never gets
    // ready, and OrderedReady never creates pods 1 and 2. One node alone, not two clusters.
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': REFUSED, '4.3/khepri': REFUSED })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('split-cluster'), '4.0/mnesia': Expect.staysDown('split-cluster'), '4.0/khepri': REFUSED_POD_2_LEADERLESS, '4.3/khepri': REFUSED_POD_2_LEADERLESS })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost(), '4.0/mnesia': FRESH_POD_STILL_DISCOVERING, '4.0/khepri': FRESH_POD_STILL_DISCOVERING, '4.3/khepri': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': REFUSED, '4.3/khepri': REFUSED })),
  ],
});

export const mismatchedCookie = defineScenario({
  name: 'mismatched-cookie',
  variant: { option: '--rollout', value: 'reinstall' },
  description: 'helm delete (volumes kept) + helm install with a regenerated Secret: new Erlang cookie and new password',
  fault: new MismatchedCookieFault('reinstall'),
  methods: [
    // Measured (2026-11-30, report mismatched-cookie none): pod 0 stopped last, boots alone, and its data refuses the
    // regenerated password; it never gets ready, so pods 1 and 2 are never created.
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.restoreCredentials(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.chartForceBoot(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.statefulSetForceBoot(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.forceLoadFile(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': KHEPRI_DEADLOCK, '4.3/khepri': KHEPRI_DEADLOCK })),
    method(Recoveries.definitionsReimport(), Expect.byRelease({ '3.10/mnesia': Expect.recoversMessagesLost(), '4.0/mnesia': FRESH_POD_STILL_DISCOVERING, '4.0/khepri': FRESH_POD_STILL_DISCOVERING, '4.3/khepri': Expect.recoversMessagesLost() })),
    method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': REFUSED, '4.0/mnesia': REFUSED, '4.0/khepri': REFUSED, '4.3/khepri': REFUSED })),
  ],
  variants: { rolling: mismatchedCookieRolling },
});

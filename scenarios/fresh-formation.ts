import { FreshFormationFault } from '../src/faults/fresh-formation-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';
import { FRESH_POD_STILL_DISCOVERING } from './release-outcomes.js';

const FORMED = Expect.recoversMessagesLost();
/** Every release formed one cluster under Parallel (5 of 5); 3.10.8 and 4.3.6 under OrderedReady too (3 of 3). */
const FORMS = Expect.underEitherStartPolicy(FORMED);
/** 4.0.5, both stores: under OrderedReady pod 0 is created alone and is still in peer discovery at the deadline. */
const ORDERED_READY_NEVER_FORMS = Expect.byStartPolicy({ OrderedReady: FRESH_POD_STILL_DISCOVERING, Parallel: FORMED });

/**
 * Fresh formation: the release reinstalled on empty volumes, so every node forms the cluster anew under the start
 * policy; the definitions exported before are imported as the app's deploy would. One cluster of N every time is
 * the hypothesis; a split is the finding. Messages go with the volumes (lost by design).
 *
 * From runs of 2026-12-01 (`npm run scenario fresh-formation -- --rabbitmq … --start-policy … --repeat N`, reports
 * /tmp/ff/<release>-<policy>; the 4.x runs shared the 2 cores with other drills): Parallel formed one cluster of 3 in
 * 5 of 5 on every release (14–48 s to put/get through every node); OrderedReady in 3 of 3 on 3.10.8 (25–35 s) and
 * 4.3.6 (61–83 s: pod 0, alone, waits out its peer discovery first), and in 0 of 3 on 4.0.5 with either store: pod 0
 * logs `DB: virgin node -> run peer discovery` and nothing more until the 120 s deadline, so pods 1 and 2 are never
 * created. No split was seen: this is classic-config discovery with every peer listed, on loopback; the split
 * formations reported in the field came with the Kubernetes peer discovery backend (the Bitnami chart's), whose race
 * only the kind platform can drill.
 */
export const freshFormation = defineScenario({
  name: 'fresh-formation',
  description: 'helm uninstall, delete the PVCs, helm install on empty volumes: does the cluster form as one of N?',
  fault: new FreshFormationFault(),
  methods: [
    method(
      Recoveries.definitionsImport(),
      Expect.byRelease({ '3.10/mnesia': FORMS, '4.0/mnesia': ORDERED_READY_NEVER_FORMS, '4.0/khepri': ORDERED_READY_NEVER_FORMS, '4.3/khepri': FORMS }),
    ),
  ],
});

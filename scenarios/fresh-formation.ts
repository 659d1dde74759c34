import { FreshFormationFault } from '../src/faults/fresh-formation-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * Fresh formation: the release reinstalled on empty volumes, so every node forms the cluster anew under the start
 * policy; the definitions exported before are imported as the app's deploy would. One cluster of N every time is
 * the hypothesis; a split is the finding. Messages go with the volumes (lost by design). Run with `--repeat N` and
 * each `--start-policy`.
 */
export const freshFormation = defineScenario({
  name: 'fresh-formation',
  description: 'helm uninstall, delete the PVCs, helm install on empty volumes: does the cluster form as one of N?',
  fault: new FreshFormationFault(),
  methods: [method(Recoveries.definitionsImport(), Expect.recoversMessagesLost())],
});

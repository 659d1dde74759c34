import { UpgradedCheck } from '../src/checks/upgraded-check.js';
import { UpgradeFault } from '../src/faults/upgrade-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const NEWEST = Expect.notApplicable('4.3 is the newest series warren has: there is nothing to upgrade to');

/** An upgrade to the next series warren has, rolled out on the same volumes. */
export const upgrade = defineScenario({
  name: 'upgrade',
  description: "helm upgrade to the next RabbitMQ series (3.10 → 4.0, 4.0 → 4.3): the StatefulSet's image changed and rolled out on the same volumes",
  fault: new UpgradeFault(),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': NEWEST })),
    method(Recoveries.enableFeatureFlagsFirst(), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers(), '4.3/khepri': NEWEST })),
    method(Recoveries.migrateToKhepriFirst(), Expect.byRelease({ '3.10/mnesia': Expect.notApplicable('3.10 has no Khepri'), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.notApplicable('already on Khepri'), '4.3/khepri': NEWEST })),
  ],
  checks: { verify: [new UpgradedCheck()] },
});

import { UpgradedCheck } from '../src/checks/upgraded-check.js';
import { UpgradeFault } from '../src/faults/upgrade-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

const NEWEST = Expect.notApplicable('4.3 is the newest series warren has: there is nothing to upgrade to');
/** 3.10.8 → 4.0.5: the 4.0 node requires flags 3.10.8 does not have (stream_single_active_consumer, from 3.11). */
const REQUIRED_FLAG_MISSING = Expect.staysDown('disabled-required-feature-flag', 'boot-failed');
/** 4.0.5 → 4.3.6: the 4.3 node must enable a flag its 4.0 peers do not support (amqp_filter_set_bug). */
const FLAG_UNSUPPORTED = Expect.staysDown('feature-flag-unsupported', 'boot-failed');

/**
 * An upgrade to the next series warren has (3.10 → 4.0, 4.0 → 4.3), rolled out on the same volumes, highest pod first.
 * Work in progress (issue 12): not in the registry yet (`scenario all` and CI do not run it); run it as a drill file,
 * `npx warren scenario ./scenarios/upgrade.ts --rabbitmq 4.0 --metadata-store mnesia`. Blue-green and 3.10 → 4.3 are
 * still to come.
 *
 * Every cell from a run of 2026-12-01 (`--recovery-timeout 60`, reports /tmp/up/<release>; 4.0/mnesia at 120 s):
 * - 3.10.8 → 4.0.5: pod 2 on 4.0 never boots: `stream_single_active_consumer: required feature flag not enabled! It
 *   must be enabled before upgrading RabbitMQ` (the flag came in 3.11: `enable_feature_flag all` on 3.10.8 enables its
 *   7 of 7 and cannot help). The rollout stops at pod 2; pods 0 and 1 keep serving on 3.10.
 * - 4.0.5 → 4.3.6, both stores: pod 2 on 4.3 never boots: `amqp_filter_set_bug: unsupported; aborting` (its 4.0 peers do
 *   not know the flag: the upgrade skipped 4.1 and 4.2). Enabling every flag first, or migrating to Khepri first (3.7 s,
 *   23 of 23 flags enabled), does not change it.
 */
export const upgrade = defineScenario({
  name: 'upgrade',
  description: "helm upgrade to the next RabbitMQ series (3.10 → 4.0, 4.0 → 4.3): the StatefulSet's image changed and rolled out on the same volumes",
  fault: new UpgradeFault(),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING, '4.0/mnesia': FLAG_UNSUPPORTED, '4.0/khepri': FLAG_UNSUPPORTED, '4.3/khepri': NEWEST })),
    method(Recoveries.enableFeatureFlagsFirst(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING, '4.0/mnesia': FLAG_UNSUPPORTED, '4.0/khepri': FLAG_UNSUPPORTED, '4.3/khepri': NEWEST })),
    method(
      Recoveries.migrateToKhepriFirst(),
      Expect.byRelease({
        '3.10/mnesia': Expect.notApplicable('3.10 has no Khepri (first in 3.13)'),
        '4.0/mnesia': FLAG_UNSUPPORTED,
        '4.0/khepri': Expect.notApplicable('the cluster already runs on Khepri'),
        '4.3/khepri': NEWEST,
      }),
    ),
  ],
  checks: { verify: [new UpgradedCheck()] },
});

/** For `npx warren scenario ./scenarios/upgrade.ts` while the scenario is not in the registry. */
export default upgrade;

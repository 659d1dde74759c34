import { UpgradedCheck } from '../src/checks/upgraded-check.js';
import type { RabbitMqSeries } from '../src/core/rabbitmq-release.js';
import { UpgradeFault } from '../src/faults/upgrade-fault.js';
import { Expect, method, Recoveries } from '../src/scenarios/methods.js';
import { defineScenario } from '../src/scenarios/scenario.js';

/**
 * 3.10.8 → 4.0.5 and → 4.3.6: the new node requires flags 3.10.8 does not have (stream_single_active_consumer, from
 * 3.11; stream_update_config_command and message_containers for 4.3).
 */
const REQUIRED_FLAG_MISSING = Expect.staysDown('disabled-required-feature-flag', 'boot-failed');
/** 4.0.5 → 4.3.6: the 4.3 node must enable a flag its 4.0 peers do not support (amqp_filter_set_bug). */
const FLAG_UNSUPPORTED = Expect.staysDown('feature-flag-unsupported', 'boot-failed');
const NO_KHEPRI_ON_3_10 = Expect.notApplicable('3.10 has no Khepri (first in 3.13)');
const ALREADY_KHEPRI = Expect.notApplicable('the cluster already runs on Khepri');

/** The checks of every upgrade drill: each serving pod runs `to`, read from its node. */
function upgradeChecks(to: RabbitMqSeries) {
  return { verify: [new UpgradedCheck(to)] };
}

/**
 * 3.10 → 4.0 (`npm run scenario upgrade -- --from 3.10 --to 4.0`). Every cell from runs of 2026-12-01 (reports
 * /tmp/up/<release>, /tmp/bg/<pair>): the 4.0 pod never boots on 3.10.8's data: `stream_single_active_consumer:
 * required feature flag not enabled! It must be enabled before upgrading RabbitMQ` (the flag came in 3.11, so
 * `enable_feature_flag all` on 3.10.8, which enables its 7 of 7, cannot help). The rollout stops at pod 2; pods 0 and
 * 1 keep serving 3.10. Blue-green does not touch the old volumes and moves every message.
 */
export const upgradeTo40 = defineScenario({
  name: 'upgrade',
  variant: { option: '--to', value: '4.0' },
  description: 'helm upgrade from 3.10 to RabbitMQ 4.0: the StatefulSet\'s image changed and rolled out on the same volumes',
  fault: new UpgradeFault('4.0'),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING})),
    method(Recoveries.enableFeatureFlagsFirst(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING})),
    method(Recoveries.migrateToKhepriFirst(), Expect.byRelease({ '3.10/mnesia': NO_KHEPRI_ON_3_10})),
    method(Recoveries.blueGreen('4.0'), Expect.byRelease({ '3.10/mnesia': Expect.recovers()})),
  ],
  checks: upgradeChecks('4.0'),
});

/**
 * An upgrade to RabbitMQ 4.3 (the newest series warren has; `--to 4.0` is the variant above), rolled out on the same
 * volumes, highest pod first, or done blue-green beside it. A release not older than the target is no upgrade: the
 * fault refuses it before anything starts (`notApplicableOn`), so it has no expectation here. Every cell from runs of 2026-12-01 (reports
 * /tmp/up/<release>, /tmp/bg/<pair>):
 * - 3.10.8 → 4.3.6: the 4.3 pod never boots: `stream_update_config_command: required feature flag not enabled! It must
 *   be enabled before upgrading RabbitMQ` (and `{disabled_required_feature_flag,message_containers}` in its crash);
 *   `enable_feature_flag all` first enables 7 of 7 and changes nothing. Blue-green (3.10 definitions imported into
 *   4.3 on Khepri) moves every message. /tmp/bg/310-43.
 * - 4.0.5 → 4.3.6, both stores: the 4.3 pod never boots: `amqp_filter_set_bug: unsupported; aborting` (its 4.0 peers
 *   do not know the flag: the upgrade skipped 4.1 and 4.2). Enabling every flag first, or migrating to Khepri first
 *   (3.7 s, 23 of 23 flags enabled), does not change it. Blue-green moves every message.
 */
export const upgrade = defineScenario({
  name: 'upgrade',
  variant: { option: '--to', value: '4.3' },
  description: "helm upgrade to RabbitMQ 4.3 (or --to 4.0): the StatefulSet's image changed and rolled out on the same volumes",
  fault: new UpgradeFault('4.3'),
  methods: [
    method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING, '4.0/mnesia': FLAG_UNSUPPORTED, '4.0/khepri': FLAG_UNSUPPORTED})),
    method(Recoveries.enableFeatureFlagsFirst(), Expect.byRelease({ '3.10/mnesia': REQUIRED_FLAG_MISSING, '4.0/mnesia': FLAG_UNSUPPORTED, '4.0/khepri': FLAG_UNSUPPORTED})),
    method(Recoveries.migrateToKhepriFirst(), Expect.byRelease({ '3.10/mnesia': NO_KHEPRI_ON_3_10, '4.0/mnesia': FLAG_UNSUPPORTED, '4.0/khepri': ALREADY_KHEPRI})),
    method(Recoveries.blueGreen('4.3'), Expect.byRelease({ '3.10/mnesia': Expect.recovers(), '4.0/mnesia': Expect.recovers(), '4.0/khepri': Expect.recovers()})),
  ],
  checks: upgradeChecks('4.3'),
  variants: { '4.0': upgradeTo40 },
});

import { ChartForceBootRecovery } from '../recoveries/chart-force-boot-recovery.js';
import { EnableFeatureFlagsFirstRecovery } from '../recoveries/enable-feature-flags-first-recovery.js';
import { MigrateToKhepriFirstRecovery } from '../recoveries/migrate-to-khepri-first-recovery.js';
import { BlueGreenRecovery } from '../recoveries/blue-green-recovery.js';
import type { RabbitMqSeries } from '../core/rabbitmq-release.js';
import { DefinitionsImportRecovery } from '../recoveries/definitions-import-recovery.js';
import { ForgetRemovedNodesRecovery } from '../recoveries/forget-removed-nodes-recovery.js';
import { ScaleBackRecovery } from '../recoveries/scale-back-recovery.js';
import { DefinitionsReimportRecovery } from '../recoveries/definitions-reimport-recovery.js';
import { ForceStandaloneKhepriBootRecovery } from '../recoveries/force-standalone-khepri-boot-recovery.js';
import { ForceLoadFileRecovery } from '../recoveries/force-load-file-recovery.js';
import { NoRecovery } from '../recoveries/no-recovery.js';
import { ParallelRestartRecovery } from '../recoveries/parallel-restart-recovery.js';
import type { Recovery } from '../recoveries/recovery.js';
import { RestoreCredentialsRecovery } from '../recoveries/restore-credentials-recovery.js';
import { RestorePasswordRecovery } from '../recoveries/restore-password-recovery.js';
import { RestartPartitionedPodsRecovery } from '../recoveries/restart-partitioned-pods-recovery.js';
import { UpdateSecretRecovery, type CurrentPassword } from '../recoveries/update-secret-recovery.js';
import { StatefulSetForceBootRecovery } from '../recoveries/statefulset-force-boot-recovery.js';
import type { Expectation, NotApplicableExpectation, NotRecoveredExpectation, RecoveredExpectation } from '../core/journal.js';
import type { ExpectationsByRelease, ExpectationsByStartPolicy, ScenarioMethod } from './scenario.js';

/** The recovery methods of the field notes, in the matrix's column order (design §3), fresh for each scenario. */
export const Recoveries = {
  none: () => new NoRecovery(),
  restoreCredentials: () => new RestoreCredentialsRecovery(),
  chartForceBoot: () => new ChartForceBootRecovery(),
  statefulSetForceBoot: () => new StatefulSetForceBootRecovery(),
  forceLoadFile: () => new ForceLoadFileRecovery(),
  definitionsReimport: () => new DefinitionsReimportRecovery(),
  parallelRestart: () => new ParallelRestartRecovery(),
  forceStandaloneKhepriBoot: () => new ForceStandaloneKhepriBootRecovery(),
  restorePassword: () => new RestorePasswordRecovery(),
  restartPartitionedPods: () => new RestartPartitionedPodsRecovery(),
  definitionsImport: () => new DefinitionsImportRecovery(),
  scaleBack: () => new ScaleBackRecovery(),
  forgetRemovedNodes: () => new ForgetRemovedNodesRecovery(),
  /** Needs to learn the password RabbitMQ has now: from the fault that changed it (`PasswordDriftFault.driftedCredentials`). */
  updateSecret: (currentPassword: CurrentPassword) => new UpdateSecretRecovery(currentPassword),
  enableFeatureFlagsFirst: () => new EnableFeatureFlagsFirstRecovery(),
  migrateToKhepriFirst: () => new MigrateToKhepriFirstRecovery(),
  blueGreen: (to: RabbitMqSeries, options?: { moveMessages?: boolean }) => new BlueGreenRecovery(to, options),
} satisfies Record<string, (...args: never[]) => Recovery>;

/** The matrix's words, as expectations. */
export const Expect = {
  /**
   * A negative control: the cluster stays down, and every diagnosis named must be found (signature names from
   * `checks/log-signatures.ts` or the drill's own: `ordered-ready-deadlock`, `split-cluster`). At least one.
   */
  staysDown: (...diagnoses: [string, ...string[]]): NotRecoveredExpectation => ({ outcome: 'not-recovered', diagnoses }),
  recovers: (): RecoveredExpectation => ({ outcome: 'recovered', messages: 'kept' }),
  recoversMessagesLost: (): RecoveredExpectation => ({ outcome: 'recovered', messages: 'lost' }),
  /**
   * A known race seen both ways in real runs: one drill meets it either way (each branch judged as its own
   * expectation); with `--repeat` both showing is still flaky, a finding. `why`: what the race is.
   */
  race: (why: string, recovered: RecoveredExpectation, notRecovered: NotRecoveredExpectation): Expectation => ({ outcome: 'race', why, recovered, notRecovered }),
  /**
   * The fault cannot happen on this release (`why`, with its source): the drill still provisions the release and the
   * fault must say so from the node (`Fault.notApplicable`); a drill that runs anyway does not meet it.
   */
  notApplicable: (why: string): NotApplicableExpectation => ({ outcome: 'not-applicable', why }),
  /** Per podManagementPolicy, on a release where real runs differ by it (each from a real run under it). */
  byStartPolicy: (expectations: ExpectationsByStartPolicy['byStartPolicy']): ExpectationsByStartPolicy => ({ byStartPolicy: expectations }),
  /** The same under OrderedReady and Parallel, each from a real run under it (a plain expectation is OrderedReady's only). */
  underEitherStartPolicy: (expected: Expectation): ExpectationsByStartPolicy => ({ byStartPolicy: { OrderedReady: expected, Parallel: expected } }),
  /** A different expectation per release (series/metadata store), each from a real run on that release. */
  byRelease: (expectations: ExpectationsByRelease): ExpectationsByRelease => expectations,
};

export function method(recovery: Recovery, expected: Expectation | ExpectationsByRelease): ScenarioMethod {
  return { recovery, expected };
}

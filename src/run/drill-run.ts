import type { SeedResult } from '../broker/workload.js';
import type { CleanupStack } from '../common/cleanup-stack.js';
import type { Logger } from '../common/logger.js';
import type { Redactor } from '../common/secrets.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Diagnosis, Expectation, MethodReport, PutGetResult, StepName, SteadyStateBaseline } from '../core/journal.js';
import type { LivenessProbe, Platform, PodStatus, StartedCluster, StartPolicy, TableWaitSettings } from '../core/platform.js';
import type { RabbitMqInfo, RabbitMqRelease } from '../core/rabbitmq-release.js';
import type { Recovery } from '../recoveries/recovery.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { RunEvents } from './events.js';

/** What every drill of a run is given: the cluster's shape and the run's limits. */
export interface DrillSettings {
  nodes: number;
  startPolicy: StartPolicy;
  tableWait: TableWaitSettings;
  /** The pods' terminationGracePeriodSeconds; unset: the pod template's own (see ClusterSpec). */
  terminationGracePeriodSeconds?: number;
  /** A liveness probe that logs in with the Secret (see ClusterSpec); unset: none. */
  livenessProbe?: LivenessProbe;
  /** The RabbitMQ series and metadata store each drill's cluster runs. */
  rabbitmq: RabbitMqRelease;
  messagesPerQueue: number;
  /** From fault injection: how long put/get may take to work again before the method counts as failed. */
  recoveryTimeoutMs: number;
  keep: boolean;
}

/** Where a drill runs and reports: the platform, the run, its log, Ctrl-C and the secrets to keep out of text. */
export interface DrillEnvironment {
  platform: Platform;
  runId: string;
  reportDir: string;
  log: Logger;
  signal: AbortSignal;
  events: RunEvents;
  redactor: Redactor;
}

/** A scenario's method with the expectation that holds on the release being drilled. */
export interface DrillMethod {
  recovery: Recovery;
  expected: Expectation;
  /** Which of the method's `repeat` drills this is, from 1 (both default to 1). */
  attempt?: number;
  repeat?: number;
}

/**
 * A drill's own name among the run's: `force-boot`, or `force-boot-2` for the second of `--repeat` drills. It names
 * the drill's cluster (its run id) and its log directory under the report.
 */
export function drillName(method: DrillMethod): string {
  const attempt = method.attempt ?? 1;
  return (method.repeat ?? 1) > 1 ? `${method.recovery.name}-${attempt}` : method.recovery.name;
}

export interface DrillResult {
  report: MethodReport;
  rabbitmq: RabbitMqInfo | null;
  interrupted: boolean;
  /** Set when --keep left the cluster running: how to reach it. */
  keptAccess?: string[];
}

/** What put/get waiting found: when it worked everywhere (epoch ms), the last probes, and why not otherwise. */
export interface RecoveryWait {
  recoveredAt?: number;
  putGet: PutGetResult[];
  /** Empty when recovered; otherwise the reason, in RabbitMQ's and the drill's words. */
  why: string;
  diagnoses: Diagnosis[];
}

/**
 * One drill in progress, as its steps share it: each step reads what the earlier ones left and adds its own
 * (the cluster after setup, the ledger after the steady state, the fault's time, what waiting found).
 */
export interface DrillRun {
  readonly scenario: Scenario;
  readonly method: DrillMethod;
  readonly settings: DrillSettings;
  readonly env: DrillEnvironment;
  readonly report: MethodReport;
  readonly log: Logger;
  /** Epoch ms the drill started. */
  readonly started: number;
  /** What teardown undoes, last first (the cluster, the fault). */
  readonly stack: CleanupStack;
  mark(event: string): void;
  cluster?: StartedCluster;
  context?: DrillContext;
  rabbitmq: RabbitMqInfo | null;
  seeded?: SeedResult[];
  baseline?: SteadyStateBaseline;
  /** Epoch ms the fault started: time to recover counts from here. */
  faultAt?: number;
  /** From here on, RabbitMQ not answering is the finding, not warren's error. */
  faultInjected: boolean;
  /** The pods as the method began: deadlock and settle detection compare with them. */
  podsAtMethod?: PodStatus[];
  /** How long the method's preparation took (ms), moved from the seed phase to the recovery phase. */
  prepareMs?: number;
  /** Each pod's log when the method started (see waitForRecovery). */
  logsAtMethod?: Map<number, string>;
  /** Why the method did not complete (the deadline, RabbitMQ refusing), if it did not. */
  methodFailure?: string;
  waited?: RecoveryWait;
}

/**
 * A named step of a drill. `stop` ends the drill early with its verdict already recorded (not-applicable);
 * throwing ends it too, and the drill decides what the error means (a finding after the fault, else an error).
 */
export interface DrillStep {
  readonly name: StepName;
  run(drill: DrillRun): Promise<'next' | 'stop'>;
}

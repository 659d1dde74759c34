import type { Logger } from '../common/logger.js';
import type { Credentials } from '../common/secrets.js';
import type { StartedCluster } from './platform.js';
import type { RabbitMqRelease } from './rabbitmq-release.js';
import type { TimelineEntry } from './journal.js';

/** Everything a fault, recovery or check needs, passed in explicitly: steps never import singletons. */
export interface DrillContext {
  runId: string;
  cluster: StartedCluster;
  log: Logger;
  signal: AbortSignal;
  /** Milliseconds since the drill started. */
  elapsedMs(): number;
  /** Adds an entry to the drill's timeline (and the live progress). */
  mark(event: string): void;
  /** Log lines, command output or file facts that prove how a method acted. */
  addEvidence(line: string): void;
  /** Credentials a fault or method generates: from now on redacted from every log, report and output. */
  keepSecret(credentials: Credentials): void;
  timeline: TimelineEntry[];
  /** Epoch ms by which put/get must work again (fault time + recovery timeout); Infinity before the fault. */
  recoveryDeadline: number;
  /**
   * A second cluster beside `cluster` (a blue-green deployment's green one): the drill's settings and Secret, running
   * `rabbitmq`, under its own run id (`<run id>-<name>`); torn down with the drill whatever happens.
   * @throws as the platform's provision does (EnvironmentError, WaitTimeoutError when it never gets ready).
   */
  provisionBeside(rabbitmq: RabbitMqRelease, name: string): Promise<StartedCluster>;
  /**
   * Clients switched to `next` (from provisionBeside): from now on every step, check and report works on it, and the
   * old cluster is removed (its logs kept in the report under `logs-old-cluster`, its log signatures
   * diagnosed first). `context.cluster` is `next` afterwards.
   */
  switchTo(next: StartedCluster): Promise<void>;
}

import type { Logger } from '../common/logger.js';
import type { Credentials } from '../common/secrets.js';
import type { StartedCluster } from './platform.js';
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
}

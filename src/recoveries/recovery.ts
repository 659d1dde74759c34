import type { CheckRecord } from '../core/journal.js';
import type { Capability, PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { RabbitMqInfo } from '../core/rabbitmq-release.js';

export interface Recovery {
  readonly name: string;
  readonly description: string;
  readonly requires: readonly Capability[];
  /** Whether the method throws the data away (then messages are lost by design). */
  readonly wipesData: boolean;
  /** How the method is carried out on a platform, in an operator's words. */
  mechanism(platform: PlatformName): string;
  /** A reason the method cannot work on this broker (e.g. force_boot on Khepri), or undefined. */
  notApplicable?(rabbitmq: RabbitMqInfo): string | undefined;
  /** Before the fault, while the cluster is healthy: what an operator would have prepared (a definitions backup). */
  prepare?(context: DrillContext): Promise<void>;
  /** Runs after the fault, while the cluster is down. */
  apply(context: DrillContext): Promise<void>;
  /** The runbook's closing steps once put/get works again (e.g. remove the force_boot line: a rolling restart). */
  finish?(context: DrillContext): Promise<void>;
  /** Proof that the method's own mechanism acted (force_boot ran, force_load consumed, members grown), as checks. */
  evidence?(context: DrillContext): Promise<CheckRecord[]>;
}

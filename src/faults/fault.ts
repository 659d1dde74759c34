import type { Capability } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { RabbitMqInfo, RabbitMqRelease } from '../core/rabbitmq-release.js';

/** What `inject` leaves behind: how to undo it at teardown (disposing it reverts it too). */
export interface ActiveFault extends AsyncDisposable {
  /** Undo what can be undone; idempotent, and a no-op for a fault that cannot be reverted (a restart). */
  revert(): Promise<void>;
}

/**
 * An outage, injected once per drill into a healthy, seeded cluster. The recovery deadline starts when `inject`
 * resolves, so it should resolve once the outage has struck (e.g. every pod stopped), not once RabbitMQ reacted.
 */
export interface Fault {
  /** Lower-case words joined by hyphens; shown in reports and the timeline. */
  readonly name: string;
  /** One line, in an operator's words (what `kubectl`/`helm` would do). */
  readonly description: string;
  /** The capabilities it uses beyond the core cluster (take each with `need`); missing ones make the drill not-applicable. */
  readonly requires: readonly Capability[];
  /**
   * Why this fault cannot happen on the broker the drill provisioned (read from its node), or undefined: the drill then
   * ends not-applicable before anything is seeded (met by `Expect.notApplicable` only).
   */
  notApplicable?(rabbitmq: RabbitMqInfo): string | undefined;
  /**
   * Why this fault cannot happen on a release at all (an upgrade to a series that is not newer), decided from the
   * release asked for, before anything starts: a named run there is refused (exit 2), `all` leaves the release out.
   */
  notApplicableOn?(release: RabbitMqRelease): string | undefined;
  /**
   * Breaks the cluster. Use `context.mark` for the timeline and `context.signal` for Ctrl-C.
   * @throws anything: before the fault has struck it is an error of the drill (exit 3); a RabbitMQ wait or CLI
   *   call that fails after it is a finding (not-recovered).
   */
  inject(context: DrillContext): Promise<ActiveFault>;
}

/** For faults whose damage is the point (a restart cannot be un-restarted): teardown is the only undo. */
export const irreversible: ActiveFault = {
  async revert() {},
  async [Symbol.asyncDispose]() {},
};

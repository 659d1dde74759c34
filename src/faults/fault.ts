import type { Capability } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';

export interface ActiveFault extends AsyncDisposable {
  /** Undo what can be undone; idempotent, and a no-op for a fault that cannot be reverted (a restart). */
  revert(): Promise<void>;
}

export interface Fault {
  readonly name: string;
  readonly description: string;
  readonly requires: readonly Capability[];
  inject(context: DrillContext): Promise<ActiveFault>;
}

/** For faults whose damage is the point (a restart cannot be un-restarted): teardown is the only undo. */
export const irreversible: ActiveFault = {
  async revert() {},
  async [Symbol.asyncDispose]() {},
};

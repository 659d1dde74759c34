import type { Recovery } from './recovery.js';

/** The negative control: do nothing and see whether the cluster comes back on its own. */
export class NoRecovery implements Recovery {
  readonly name = 'none';
  readonly description = 'do nothing: the negative control';
  readonly requires = [] as const;
  readonly wipesData = false;

  mechanism(): string {
    return 'nothing is done; the pods restart under the StatefulSet start policy';
  }

  async apply(): Promise<void> {}
}

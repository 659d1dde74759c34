import { errorMessage } from '../common/errors.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Check, Verdict } from './check.js';
import { observeDefinitions, type DefinitionsView } from './steady-state-baseline.js';

export type DefinitionsObservation = DefinitionsView | { error: string };

/**
 * The topology came back: every queue of the baseline exists with the same type, and every user and vhost of the
 * baseline exists. Catches a recovery that loses declarations (a kill -9 right after a definition change, an
 * import that skipped quorum queues and still exited 0). More than the baseline is fine.
 */
export class DefinitionsCheck implements Check<DefinitionsObservation> {
  readonly name = 'definitions';

  /** @param baseline what node 0 listed before the fault. */
  constructor(private readonly baseline: DefinitionsView) {}

  async observe(context: DrillContext): Promise<DefinitionsObservation> {
    try {
      return await observeDefinitions(context.cluster, 0);
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }

  evaluate(observation: DefinitionsObservation): Verdict {
    if ('error' in observation) return { ok: false, reason: observation.error };
    const problems: string[] = [];
    const missingQueues = this.baseline.queues.filter((queue) => !observation.queues.some((now) => now.name === queue.name && now.type === queue.type));
    if (missingQueues.length > 0) problems.push(`queues missing: ${missingQueues.map((queue) => `${queue.name} (${queue.type})`).join(', ')}`);
    const missingUsers = this.baseline.users.filter((user) => !observation.users.includes(user));
    if (missingUsers.length > 0) problems.push(`users missing: ${missingUsers.join(', ')}`);
    const missingVhosts = this.baseline.vhosts.filter((vhost) => !observation.vhosts.includes(vhost));
    if (missingVhosts.length > 0) problems.push(`vhosts missing: ${missingVhosts.join(', ')}`);
    return problems.length === 0 ? { ok: true } : { ok: false, reason: `${problems.join('; ')} (compared with the baseline before the fault)` };
  }
}

import { listQueues } from '../broker/definitions.js';
import { errorMessage } from '../common/errors.js';
import type { SteadyStateBaseline } from '../core/journal.js';
import type { DrillContext } from '../core/drill-context.js';
import { servingNodes } from '../core/platform.js';
import type { Check, Verdict } from './check.js';

export interface QuorumStatus {
  queue: string;
  /** Members in the baseline (before the fault). */
  baselineMembers: number;
  /** Members it must have now: the baseline's, or every node meant to serve when fewer (after a scale-down). */
  expectedMembers: number;
  members: { node: string; state: string }[] | null;
  error?: string;
}

/**
 * A quorum queue that "works" with fewer members than it had has silently lost redundancy (a boot-time import
 * can create 1-member queues). Every quorum queue of the baseline must have at least its baseline number of
 * members (RabbitMQ chooses how many: 3 of 5 nodes, measured on 3.10.8), or one per node meant to serve when a
 * scale-down left fewer ({@link servingNodes}), and one leader.
 */
export class QuorumMembersCheck implements Check<QuorumStatus[]> {
  readonly name = 'quorum-members';

  /** @param baseline quorum queues and their members from the steady state (`list_queues` before the fault). */
  constructor(private readonly baseline: SteadyStateBaseline['queues']) {}

  /** One `list_queues` call covers every quorum queue (a CLI call costs ~1 s of CPU here). */
  async observe(context: DrillContext): Promise<QuorumStatus[]> {
    const expected = this.baseline.filter((queue) => queue.type === 'quorum');
    const serving = servingNodes(context.cluster).length;
    const counts = (queue: (typeof expected)[number]) => ({ baselineMembers: queue.members.length, expectedMembers: Math.min(queue.members.length, serving) });
    try {
      const rows = await listQueues(context.cluster, 0);
      return expected.map((queue): QuorumStatus => {
        const row = rows.find((candidate) => candidate.name === queue.name);
        if (!row) return { queue: queue.name, ...counts(queue), members: null, error: 'queue not found' };
        return { queue: queue.name, ...counts(queue), members: row.members.map((node) => ({ node, state: node === row.leader ? 'leader' : 'follower' })) };
      });
    } catch (error) {
      return expected.map((queue) => ({ queue: queue.name, ...counts(queue), members: null, error: errorMessage(error) }));
    }
  }

  evaluate(statuses: QuorumStatus[]): Verdict {
    if (statuses.length === 0) return { ok: false, reason: 'no quorum queue in the baseline to check' };
    const problems: string[] = [];
    for (const status of statuses) {
      if (status.members === null) {
        problems.push(`${status.queue}: ${status.error ?? 'no status'}`);
        continue;
      }
      if (status.members.length < status.expectedMembers) {
        const why = status.expectedMembers < status.baselineMembers ? `${status.expectedMembers} expected (${status.baselineMembers} before the fault, fewer nodes serve now)` : `${status.baselineMembers} before the fault`;
        problems.push(`${status.queue} has ${status.members.length} members, ${why}`);
      }
      const leaders = status.members.filter((member) => member.state === 'leader').length;
      if (leaders !== 1) problems.push(`${status.queue} has ${leaders} leaders`);
    }
    return problems.length === 0 ? { ok: true } : { ok: false, reason: problems.join('; ') };
  }
}

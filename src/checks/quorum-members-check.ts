import { errorMessage } from '../common/errors.js';
import type { DrillContext } from '../run/drill-context.js';
import type { Check, Verdict } from './check.js';

export interface QuorumStatus {
  queue: string;
  members: { node: string; state: string }[] | null;
  error?: string;
}

/**
 * A quorum queue that "works" with fewer members than nodes has silently lost redundancy (a boot-time import
 * can create 1-member queues). Every quorum queue must have all N members and one leader.
 */
export class QuorumMembersCheck implements Check<QuorumStatus[]> {
  readonly name = 'quorum-members';

  constructor(
    private readonly queues: readonly string[],
    private readonly expectedMembers: number,
  ) {}

  /** One `list_queues` call covers every quorum queue (a CLI call costs ~1 s of CPU here). */
  async observe(context: DrillContext): Promise<QuorumStatus[]> {
    try {
      const result = await context.cluster.exec(0, 'rabbitmqctl', ['list_queues', 'name', 'type', 'members', 'leader', '--formatter', 'json'], { timeoutMs: 20_000 });
      if (result.exitCode !== 0) {
        const error = (result.stderr || result.stdout).trim().split('\n')[0] ?? 'list_queues failed';
        return this.queues.map((queue) => ({ queue, members: null, error }));
      }
      const rows = JSON.parse(result.stdout) as { name: string; type: string; members: string[] | ''; leader: string }[];
      return this.queues.map((queue): QuorumStatus => {
        const row = rows.find((candidate) => candidate.name === queue);
        if (!row) return { queue, members: null, error: 'queue not found' };
        const members = Array.isArray(row.members) ? row.members : [];
        return { queue, members: members.map((node) => ({ node, state: node === row.leader ? 'leader' : 'follower' })) };
      });
    } catch (error) {
      return this.queues.map((queue) => ({ queue, members: null, error: errorMessage(error) }));
    }
  }

  evaluate(statuses: QuorumStatus[]): Verdict {
    if (statuses.length === 0) return { ok: false, reason: 'no quorum queue to check' };
    const problems: string[] = [];
    for (const status of statuses) {
      if (status.members === null) {
        problems.push(`${status.queue}: ${status.error ?? 'no status'}`);
        continue;
      }
      if (status.members.length !== this.expectedMembers) problems.push(`${status.queue} has ${status.members.length} of ${this.expectedMembers} members`);
      const leaders = status.members.filter((member) => member.state === 'leader').length;
      if (leaders !== 1) problems.push(`${status.queue} has ${leaders} leaders`);
    }
    return problems.length === 0 ? { ok: true } : { ok: false, reason: problems.join('; ') };
  }
}

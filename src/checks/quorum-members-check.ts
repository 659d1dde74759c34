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

  observe(context: DrillContext): Promise<QuorumStatus[]> {
    const { cluster } = context;
    return Promise.all(
      this.queues.map(async (queue): Promise<QuorumStatus> => {
        try {
          const result = await cluster.exec(0, 'rabbitmq-queues', ['quorum_status', queue, '--formatter', 'json'], { timeoutMs: 20_000 });
          if (result.exitCode !== 0) return { queue, members: null, error: (result.stderr || result.stdout).trim().split('\n')[0] ?? '' };
          const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
          return { queue, members: rows.map((row) => ({ node: String(row['Node Name'] ?? ''), state: String(row['Raft State'] ?? '') })) };
        } catch (error) {
          return { queue, members: null, error: errorMessage(error) };
        }
      }),
    );
  }

  evaluate(statuses: QuorumStatus[]): Verdict {
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

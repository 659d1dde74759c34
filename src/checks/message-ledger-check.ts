import { drainQueue, type SeedResult } from '../broker/workload.js';
import type { QueueType } from '../core/journal.js';
import { errorMessage } from '../common/errors.js';
import type { DrillContext } from '../core/drill-context.js';
import type { MessageCounts, MessageLedger } from '../core/journal.js';
import type { Check, Verdict } from './check.js';

export interface LedgerObservation {
  ledger: MessageLedger;
  perQueue: { queue: string; type: QueueType; confirmed: number; read: number; lost: number; duplicated: number; error?: string }[];
}

/**
 * Accounts for every message: what the broker confirmed before the fault vs what can be read after recovery.
 * Recovered = confirmed and read; lost = confirmed, never read; duplicated = read more than once.
 */
export class MessageLedgerCheck implements Check<LedgerObservation> {
  readonly name = 'message-ledger';

  constructor(
    private readonly seeded: readonly SeedResult[],
    private readonly expectation: 'kept' | 'lost',
    private readonly homeOrdinal: (queue: string) => number,
  ) {}

  async observe(context: DrillContext): Promise<LedgerObservation> {
    const { cluster } = context;
    const perQueue: LedgerObservation['perQueue'] = [];
    const totals: MessageLedger = { ...noMessages(), byQueueType: { classic: noMessages(), quorum: noMessages() } };
    for (const seed of this.seeded) {
      let read: string[] = [];
      let error: string | undefined;
      try {
        read = await drainQueue(cluster.nodes[this.homeOrdinal(seed.queue)]!, cluster.credentials, seed.queue);
      } catch (cause) {
        error = errorMessage(cause);
      }
      const counts = tally(read);
      const confirmed = new Set(seed.confirmed);
      const recovered = seed.confirmed.filter((id) => counts.has(id)).length;
      const duplicated = [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
      const unexpected = [...counts.keys()].filter((id) => !confirmed.has(id)).length;
      for (const counts of [totals, totals.byQueueType[seed.type]]) {
        counts.published += seed.published.length;
        counts.confirmed += seed.confirmed.length;
        counts.recovered += recovered;
        counts.lost += seed.confirmed.length - recovered;
        counts.duplicated += duplicated;
        counts.unexpected += unexpected;
      }
      perQueue.push({ queue: seed.queue, type: seed.type, confirmed: seed.confirmed.length, read: read.length, lost: seed.confirmed.length - recovered, duplicated, ...(error ? { error } : {}) });
    }
    return { ledger: totals, perQueue };
  }

  evaluate({ ledger, perQueue }: LedgerObservation): Verdict {
    const unreadable = perQueue.filter((queue) => queue.error !== undefined);
    if (unreadable.length > 0) return { ok: false, reason: unreadable.map((q) => `${q.queue}: ${q.error}`).join('; ') };
    if (ledger.confirmed === 0) return { ok: false, reason: 'no message was confirmed before the fault: nothing to account for' };
    if (ledger.duplicated > 0) return { ok: false, reason: `${ledger.duplicated} messages read more than once` };
    if (this.expectation === 'kept' && ledger.lost > 0) {
      const where = perQueue.filter((q) => q.lost > 0).map((q) => `${q.queue}: ${q.lost}`).join(', ');
      return { ok: false, reason: `${ledger.lost} of ${ledger.confirmed} confirmed messages lost (${byType(ledger)}; ${where})` };
    }
    return { ok: true, ...(ledger.lost > 0 ? { reason: `${ledger.lost} of ${ledger.confirmed} lost, as this method does by design` } : {}) };
  }
}

function noMessages(): MessageCounts {
  return { published: 0, confirmed: 0, recovered: 0, lost: 0, duplicated: 0, unexpected: 0 };
}

/** `classic 0/300 lost, quorum 100/100 lost`. */
function byType(ledger: MessageLedger): string {
  return Object.entries(ledger.byQueueType)
    .filter(([, counts]) => counts.confirmed > 0)
    .map(([type, counts]) => `${type} ${counts.lost}/${counts.confirmed} lost`)
    .join(', ');
}

function tally(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

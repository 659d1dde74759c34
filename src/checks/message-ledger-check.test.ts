import { describe, expect, it } from 'vitest';
import type { SeedResult } from '../broker/workload.js';
import type { MessageLedger } from '../core/journal.js';
import { MessageLedgerCheck, type LedgerObservation } from './message-ledger-check.js';

const CLASSIC = 'warren.ledger.classic.0';
const QUORUM = 'warren.ledger.quorum';

function ids(queue: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${queue}#${i}`);
}

const seeded: SeedResult[] = [
  { queue: CLASSIC, type: 'classic', published: ids(CLASSIC, 10), confirmed: ids(CLASSIC, 10) },
  { queue: QUORUM, type: 'quorum', published: ids(QUORUM, 10), confirmed: ids(QUORUM, 10) },
];

function check(expectation: 'kept' | 'lost'): MessageLedgerCheck {
  return new MessageLedgerCheck(seeded, expectation, () => 0);
}

type QueueRow = LedgerObservation['perQueue'][number];

function observation(rows: QueueRow[]): LedgerObservation {
  const zero = () => ({ published: 0, confirmed: 0, recovered: 0, lost: 0, duplicated: 0, unexpected: 0 });
  const ledger: MessageLedger = { ...zero(), byQueueType: { classic: zero(), quorum: zero() } };
  for (const row of rows) {
    for (const counts of [ledger, ledger.byQueueType[row.type]]) {
      counts.published += row.confirmed;
      counts.confirmed += row.confirmed;
      counts.recovered += row.confirmed - row.lost;
      counts.lost += row.lost;
      counts.duplicated += row.duplicated;
    }
  }
  return { ledger, perQueue: rows };
}

const allRead: QueueRow[] = [
  { queue: CLASSIC, type: 'classic', confirmed: 10, read: 10, lost: 0, duplicated: 0 },
  { queue: QUORUM, type: 'quorum', confirmed: 10, read: 10, lost: 0, duplicated: 0 },
];

describe('MessageLedgerCheck.evaluate', () => {
  it('is ok when every confirmed message was kept, as expected', () => {
    expect(check('kept').evaluate(observation(allRead))).toEqual({ ok: true });
  });

  it('is not ok when messages that had to be kept were lost, and names the queue', () => {
    const rows: QueueRow[] = [
      { queue: CLASSIC, type: 'classic', confirmed: 10, read: 7, lost: 3, duplicated: 0 },
      { queue: QUORUM, type: 'quorum', confirmed: 10, read: 10, lost: 0, duplicated: 0 },
    ];
    const verdict = check('kept').evaluate(observation(rows));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(`3 of 20 confirmed messages lost (classic 3/10 lost, quorum 0/10 lost; ${CLASSIC}: 3)`);
    expect(verdict.reason).not.toContain(QUORUM);
  });

  it('is ok when a method that wipes data loses messages by design, and says how many', () => {
    const rows: QueueRow[] = [
      { queue: CLASSIC, type: 'classic', confirmed: 10, read: 0, lost: 10, duplicated: 0 },
      { queue: QUORUM, type: 'quorum', confirmed: 10, read: 0, lost: 10, duplicated: 0 },
    ];
    expect(check('lost').evaluate(observation(rows))).toEqual({ ok: true, reason: '20 of 20 lost, as this method does by design' });
  });

  it('is not ok when a message was read more than once', () => {
    const rows: QueueRow[] = [
      { queue: CLASSIC, type: 'classic', confirmed: 10, read: 12, lost: 0, duplicated: 2 },
      { queue: QUORUM, type: 'quorum', confirmed: 10, read: 10, lost: 0, duplicated: 0 },
    ];
    expect(check('kept').evaluate(observation(rows))).toEqual({ ok: false, reason: '2 messages read more than once' });
    expect(check('lost').evaluate(observation(rows)).ok).toBe(false);
  });

  it('is not ok when a queue could not be read, and says which and why', () => {
    const rows: QueueRow[] = [
      { queue: CLASSIC, type: 'classic', confirmed: 10, read: 10, lost: 0, duplicated: 0 },
      { queue: QUORUM, type: 'quorum', confirmed: 10, read: 0, lost: 10, duplicated: 0, error: 'drain timed out' },
    ];
    const verdict = check('lost').evaluate(observation(rows));
    expect(verdict).toEqual({ ok: false, reason: `${QUORUM}: drain timed out` });
  });

  it('is not ok when nothing was confirmed before the fault', () => {
    const rows: QueueRow[] = [
      { queue: CLASSIC, type: 'classic', confirmed: 0, read: 0, lost: 0, duplicated: 0 },
      { queue: QUORUM, type: 'quorum', confirmed: 0, read: 0, lost: 0, duplicated: 0 },
    ];
    const verdict = check('kept').evaluate(observation(rows));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/no message was confirmed/);
  });
});

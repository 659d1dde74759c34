import { describe, expect, it } from 'vitest';
import { QuorumMembersCheck, type QuorumStatus } from './quorum-members-check.js';

const QUEUE = 'warren.ledger.quorum';
const THREE = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];

function members(...states: string[]): QuorumStatus['members'] {
  return states.map((state, i) => ({ node: `rabbit-${i}@localhost`, state }));
}

function status(baselineMembers: number, current: QuorumStatus['members'], error?: string, expectedMembers = baselineMembers): QuorumStatus {
  return { queue: QUEUE, baselineMembers, expectedMembers, members: current, ...(error ? { error } : {}) };
}

describe('QuorumMembersCheck.evaluate', () => {
  const check = new QuorumMembersCheck([{ name: QUEUE, type: 'quorum', members: THREE }]);

  it('is ok with the baseline\'s 3 members and exactly one leader', () => {
    expect(check.evaluate([status(3, members('leader', 'follower', 'follower'))])).toEqual({ ok: true });
  });

  it('is not ok with 2 members where the baseline had 3, even with a leader', () => {
    expect(check.evaluate([status(3, members('leader', 'follower'))])).toEqual({ ok: false, reason: `${QUEUE} has 2 members, 3 before the fault` });
  });

  it('after a scale-down to 1 pod, one member with a leader is ok; none with a leader is not', () => {
    expect(check.evaluate([status(3, members('leader'), undefined, 1)])).toEqual({ ok: true });
    expect(check.evaluate([status(3, members('follower', 'follower', 'follower'), undefined, 1)])).toEqual({ ok: false, reason: `${QUEUE} has 0 leaders` });
    expect(check.evaluate([status(3, [], undefined, 1)])).toEqual({ ok: false, reason: `${QUEUE} has 0 members, 1 expected (3 before the fault, fewer nodes serve now); ${QUEUE} has 0 leaders` });
  });

  it('is ok on 5 nodes with the 3 members RabbitMQ placed before the fault (the baseline, not N)', () => {
    expect(check.evaluate([status(3, members('leader', 'follower', 'follower'))])).toEqual({ ok: true });
    expect(check.evaluate([status(3, members('leader', 'follower', 'follower', 'follower', 'follower'))])).toEqual({ ok: true });
  });

  it('is not ok without a leader', () => {
    expect(check.evaluate([status(3, members('candidate', 'follower', 'follower'))])).toEqual({ ok: false, reason: `${QUEUE} has 0 leaders` });
  });

  it('is not ok with two leaders', () => {
    expect(check.evaluate([status(3, members('leader', 'leader', 'follower'))]).reason).toBe(`${QUEUE} has 2 leaders`);
  });

  it('is not ok when the status could not be read', () => {
    expect(check.evaluate([status(3, null, 'queue not found')])).toEqual({ ok: false, reason: `${QUEUE}: queue not found` });
  });

  it('is not ok when the baseline had no quorum queue to compare with', () => {
    expect(check.evaluate([])).toEqual({ ok: false, reason: 'no quorum queue in the baseline to check' });
  });
});

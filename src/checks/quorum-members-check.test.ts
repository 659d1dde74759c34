import { describe, expect, it } from 'vitest';
import { QuorumMembersCheck, type QuorumStatus } from './quorum-members-check.js';

const QUEUE = 'warren.ledger.quorum';

function members(...states: string[]): QuorumStatus['members'] {
  return states.map((state, i) => ({ node: `rabbit-${i}@localhost`, state }));
}

describe('QuorumMembersCheck.evaluate', () => {
  const check = new QuorumMembersCheck([QUEUE], 3);

  it('is ok with all 3 members and exactly one leader', () => {
    expect(check.evaluate([{ queue: QUEUE, members: members('leader', 'follower', 'follower') }])).toEqual({ ok: true });
  });

  it('is not ok with 2 of 3 members, even with a leader', () => {
    expect(check.evaluate([{ queue: QUEUE, members: members('leader', 'follower') }])).toEqual({
      ok: false,
      reason: `${QUEUE} has 2 of 3 members`,
    });
  });

  it('is not ok without a leader', () => {
    expect(check.evaluate([{ queue: QUEUE, members: members('candidate', 'follower', 'follower') }])).toEqual({
      ok: false,
      reason: `${QUEUE} has 0 leaders`,
    });
  });

  it('is not ok with two leaders', () => {
    expect(check.evaluate([{ queue: QUEUE, members: members('leader', 'leader', 'follower') }]).reason).toBe(`${QUEUE} has 2 leaders`);
  });

  it('is not ok when the status could not be read', () => {
    expect(check.evaluate([{ queue: QUEUE, members: null, error: 'queue not found' }])).toEqual({ ok: false, reason: `${QUEUE}: queue not found` });
  });
});

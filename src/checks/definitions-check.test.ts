import { describe, expect, it } from 'vitest';
import { DefinitionsCheck } from './definitions-check.js';
import type { DefinitionsView } from './steady-state-baseline.js';

const baseline: DefinitionsView = {
  queues: [
    { name: 'warren.ledger.classic.0', type: 'classic', members: [] },
    { name: 'warren.ledger.quorum', type: 'quorum', members: ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'] },
  ],
  users: ['warren'],
  vhosts: ['/'],
};

describe('DefinitionsCheck.evaluate (compared with the baseline)', () => {
  const check = new DefinitionsCheck(baseline);

  it('is ok when everything of the baseline is back, and more is fine', () => {
    expect(check.evaluate({ ...baseline, queues: [...baseline.queues, { name: 'extra', type: 'classic', members: [] }], users: ['guest', 'warren'] })).toEqual({ ok: true });
  });

  it('fails naming a queue that is gone, or came back with another type', () => {
    const verdict = check.evaluate({ ...baseline, queues: [{ name: 'warren.ledger.quorum', type: 'classic', members: [] }] });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('queues missing: warren.ledger.classic.0 (classic), warren.ledger.quorum (quorum) (compared with the baseline before the fault)');
  });

  it('fails naming missing users and vhosts', () => {
    const verdict = check.evaluate({ queues: baseline.queues, users: [], vhosts: [] });
    expect(verdict.reason).toBe('users missing: warren; vhosts missing: / (compared with the baseline before the fault)');
  });

  it('fails with the error when the node could not be asked', () => {
    expect(check.evaluate({ error: 'list_queues on node 0 failed: unable to connect' })).toEqual({ ok: false, reason: 'list_queues on node 0 failed: unable to connect' });
  });
});

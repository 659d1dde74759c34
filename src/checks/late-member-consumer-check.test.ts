import { describe, expect, it } from 'vitest';
import { LateMemberConsumerCheck, type LateMemberConsumerObservation } from './late-member-consumer-check.js';

const check = new LateMemberConsumerCheck({ record: () => undefined });
const healthy: LateMemberConsumerObservation = {
  lateMember: 'rabbit-2@localhost',
  leadershipNow: 'leader rabbit-2@localhost, members rabbit-0@localhost, rabbit-1@localhost, rabbit-2@localhost',
  leaderAfterMove: 'leader rabbit-2@localhost, members rabbit-0@localhost, rabbit-1@localhost, rabbit-2@localhost',
  confirmed: 200,
  delivered: 200,
  missing: [],
  redelivered: 0,
  probe: 'delivered',
};

describe('LateMemberConsumerCheck', () => {
  it('passes when the consumer got every confirmed message and a probe now (4.3.6, /tmp/qd/43); redeliveries alone do not fail it', () => {
    expect(check.evaluate(healthy)).toEqual({ ok: true });
    expect(check.evaluate({ ...healthy, redelivered: 3 })).toEqual({ ok: true });
  });

  it('fails when confirmed messages never reached the consumer, naming some', () => {
    const verdict = check.evaluate({ ...healthy, delivered: 100, missing: ['r:warren.late.quorum:led:0'] });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/received 100 of 200 confirmed messages \(missing e\.g\. r:warren\.late\.quorum:led:0\)/);
  });

  it('fails when the consumer no longer receives (the probe) or the broker cancelled it', () => {
    expect(check.evaluate({ ...healthy, probe: 'not delivered' }).reason).toMatch(/a message published now: not delivered/);
    expect(check.evaluate({ ...healthy, cancelledByBroker: 'after 30.0 s of the drill' }).reason).toMatch(/cancelled the consumer after 30\.0 s/);
  });

  it('cannot observe a drill the fault never struck in (an error, not a failed check)', async () => {
    const context = { runId: 'never' } as Parameters<typeof check.observe>[0];
    await expect(check.observe(context)).rejects.toThrow(/never recorded what it did/);
  });
});

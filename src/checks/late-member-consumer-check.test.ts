import { describe, expect, it } from 'vitest';
import { describeLeadership, LateMemberConsumerCheck, type LateMemberConsumerObservation } from './late-member-consumer-check.js';

const check = new LateMemberConsumerCheck({ record: () => undefined });
const led = 'leader rabbit-2@localhost, members rabbit-0@localhost, rabbit-1@localhost, rabbit-2@localhost';
/** What 4.3.6 gave (/tmp/qd/43). */
const healthy: LateMemberConsumerObservation = {
  lateMember: 'rabbit-2@localhost',
  lateMemberAtDeclaration: true,
  ledAfterMove: true,
  transfer: 'ok',
  leadershipAfterMove: led,
  leadershipNow: led,
  published: 200,
  confirmed: 200,
  delivered: 200,
  missing: [],
  redelivered: 0,
  probe: 'delivered',
};

describe('LateMemberConsumerCheck', () => {
  it('passes when the late member led and the consumer got every confirmed message and a probe now; redeliveries alone do not fail it', () => {
    expect(check.evaluate(healthy)).toEqual({ ok: true });
    expect(check.evaluate({ ...healthy, redelivered: 3 })).toEqual({ ok: true });
  });

  it('fails when the late member never led (the old leader kept delivering: the drill must not pass on that)', () => {
    const verdict = check.evaluate({ ...healthy, ledAfterMove: false, transfer: '{error,not_member} (rabbit-2@localhost not leading within 60 s)' });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/rabbit-2@localhost did not lead after the move \(transfer: \{error,not_member\}/);
  });

  it('fails when the down node was never made a member, or the broker confirmed fewer than were published', () => {
    expect(check.evaluate({ ...healthy, lateMemberAtDeclaration: false }).reason).toMatch(/was not a member of the queue declared while it was down/);
    expect(check.evaluate({ ...healthy, confirmed: 100, delivered: 100, publishError: 'publishing once rabbit-2@localhost led: AMQP confirms timed out' }).reason).toMatch(
      /confirmed 100 of 200 messages \(publishing once rabbit-2@localhost led: AMQP confirms timed out\)/,
    );
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

  it('describes a Raft group, or why it could not be read', () => {
    expect(describeLeadership({ leader: 'rabbit-2@localhost', members: ['rabbit-0@localhost', 'rabbit-2@localhost'] })).toBe('leader rabbit-2@localhost, members rabbit-0@localhost, rabbit-2@localhost');
    expect(describeLeadership({ error: 'ra:members on pod 0: no-leader timeout' })).toBe('ra:members on pod 0: no-leader timeout');
  });
});

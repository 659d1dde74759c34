import { describe, expect, it } from 'vitest';
import type { PutGetResult } from '../core/journal.js';
import { livenessLoopSeen, REFUSALS_IN_A_ROW, RefusalTracker } from './refusal-tracker.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];

/** What amqplib says when the broker refuses the login (the handshake is closed with 403). */
const HANDSHAKE_REFUSED =
  'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."';

function probe(ordinal: number, error?: string, queueType: 'classic' | 'quorum' = 'classic'): PutGetResult {
  return {
    node: NODES[ordinal]!,
    ordinal,
    queue: `warren.probe.${queueType}.${ordinal}`,
    queueType,
    mode: 'get',
    ok: error === undefined,
    latencyMs: 3,
    ...(error === undefined ? {} : { error }),
  };
}

/** One probe round: node `ordinal` answers `errors[ordinal]` (undefined: put/get worked). */
function round(...errors: (string | undefined)[]): PutGetResult[] {
  return errors.map((error, ordinal) => probe(ordinal, error));
}

describe('RefusalTracker', () => {
  it('settles after 3 rounds in a row by default', () => {
    expect(REFUSALS_IN_A_ROW).toBe(3);
    const tracker = new RefusalTracker();
    const refused = round(undefined, HANDSHAKE_REFUSED, undefined);
    expect(tracker.observe(refused)).toBeUndefined();
    expect(tracker.observe(refused)).toBeUndefined();
    const message = tracker.observe(refused);
    expect(message).toBeDefined();
    expect(message).toContain('rabbit-1@localhost');
    expect(message).toContain('3 probes in a row');
    expect(message).not.toContain('rabbit-0@localhost');
    expect(message).not.toContain('rabbit-2@localhost');
  });

  it('takes its threshold from the constructor', () => {
    const once = new RefusalTracker(1);
    expect(once.observe(round(HANDSHAKE_REFUSED))).toMatch(/^credentials refused: rabbit-0@localhost answered ACCESS_REFUSED .* 1 probes in a row/);
    const five = new RefusalTracker(5);
    for (let i = 0; i < 4; i++) expect(five.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(five.observe(round(HANDSHAKE_REFUSED))).toContain('rabbit-0@localhost');
  });

  it.each([
    ['the AMQP reply text', 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN'],
    ["amqplib's constant name alone", 'Handshake terminated by server: 403 (ACCESS-REFUSED)'],
    ['the full amqplib handshake error', HANDSHAKE_REFUSED],
  ])('counts %s as a refusal', (_, error) => {
    const tracker = new RefusalTracker(2);
    tracker.observe(round(error));
    expect(tracker.observe(round(error))).toContain('rabbit-0@localhost');
  });

  it.each([
    ['a refused TCP connection', 'connect ECONNREFUSED 127.0.0.1:5673'],
    ['a missing queue', 'Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue \'warren.probe.classic.0\' in vhost \'/\'"'],
    ['a timeout', 'AMQP connect to 127.0.0.1:5672: timed out after 3000 ms'],
    ['a lower-case mention', 'access refused'],
    ['no error text at all', undefined],
  ])('never settles on %s, however long it lasts', (_, error) => {
    const tracker = new RefusalTracker(2);
    const failed: PutGetResult = { ...probe(0), ok: false, ...(error === undefined ? {} : { error }) };
    for (let i = 0; i < 10; i++) expect(tracker.observe([failed])).toBeUndefined();
  });

  it('does not count an ACCESS_REFUSED text on a probe that worked', () => {
    const tracker = new RefusalTracker(1);
    expect(tracker.observe([{ ...probe(0), ok: true, error: 'ACCESS_REFUSED (stale text)' }])).toBeUndefined();
  });

  it('a successful round resets the node: the count starts again from zero', () => {
    const tracker = new RefusalTracker(3);
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(undefined))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toContain('rabbit-0@localhost');
  });

  it('a round failing differently (the node went down) resets the node as well', () => {
    const tracker = new RefusalTracker(3);
    tracker.observe(round(HANDSHAKE_REFUSED));
    tracker.observe(round(HANDSHAKE_REFUSED));
    expect(tracker.observe(round('connect ECONNREFUSED 127.0.0.1:5672'))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeDefined();
  });

  it('counts per node: refusals spread over different nodes do not add up', () => {
    const tracker = new RefusalTracker(3);
    expect(tracker.observe(round(HANDSHAKE_REFUSED, undefined, undefined))).toBeUndefined();
    expect(tracker.observe(round(undefined, HANDSHAKE_REFUSED, undefined))).toBeUndefined();
    expect(tracker.observe(round(undefined, undefined, HANDSHAKE_REFUSED))).toBeUndefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED, undefined, undefined))).toBeUndefined();
  });

  it('counts a node once per round, even when every queue type on it was refused', () => {
    const tracker = new RefusalTracker(2);
    const bothQueues = [probe(0, HANDSHAKE_REFUSED, 'classic'), probe(0, HANDSHAKE_REFUSED, 'quorum')];
    expect(tracker.observe(bothQueues)).toBeUndefined();
    expect(tracker.observe(bothQueues)).toContain('rabbit-0@localhost');
  });

  it('counts the node as refusing when one of its probes was refused and another failed otherwise', () => {
    const tracker = new RefusalTracker(2);
    const mixed = [probe(0, 'timed out', 'quorum'), probe(0, HANDSHAKE_REFUSED, 'classic')];
    tracker.observe(mixed);
    expect(tracker.observe(mixed)).toContain('rabbit-0@localhost');
  });

  it('names every node that refused long enough, and only those', () => {
    const tracker = new RefusalTracker(2);
    tracker.observe(round(HANDSHAKE_REFUSED, undefined, HANDSHAKE_REFUSED));
    const message = tracker.observe(round(HANDSHAKE_REFUSED, HANDSHAKE_REFUSED, HANDSHAKE_REFUSED));
    expect(message).toContain('credentials refused: rabbit-0@localhost, rabbit-2@localhost answered ACCESS_REFUSED');
    expect(message).not.toContain('rabbit-1@localhost');
  });

  it('keeps answering once settled while the node keeps refusing, and stops when it no longer does', () => {
    const tracker = new RefusalTracker(2);
    tracker.observe(round(HANDSHAKE_REFUSED));
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeDefined();
    expect(tracker.observe(round(HANDSHAKE_REFUSED))).toBeDefined();
    expect(tracker.observe(round(undefined))).toBeUndefined();
  });

  it('says nothing for an empty round', () => {
    expect(new RefusalTracker(1).observe([])).toBeUndefined();
  });
});

describe('livenessLoopSeen', () => {
  it('is true without a liveness probe: refusals settle at once', () => {
    expect(livenessLoopSeen(false, [])).toBe(true);
  });

  it('with a probe, waits until each refusing node refused anew after a restart since the method (the loop turned once)', () => {
    expect(livenessLoopSeen(true, [])).toBe(false);
    expect(livenessLoopSeen(true, [{ restartsBefore: 0, restartsAtStreakStart: 0 }])).toBe(false);
    expect(livenessLoopSeen(true, [{ restartsBefore: 0, restartsAtStreakStart: 1 }, { restartsBefore: 1, restartsAtStreakStart: 1 }])).toBe(false);
    expect(livenessLoopSeen(true, [{ restartsBefore: 0, restartsAtStreakStart: 1 }, { restartsBefore: 1, restartsAtStreakStart: 2 }])).toBe(true);
    expect(livenessLoopSeen(true, [{ restartsBefore: 0, restartsAtStreakStart: undefined }])).toBe(false);
  });
});

describe('RefusalTracker: refusals after a restart', () => {
  it("remembers each node's restart count when its run of refusals began, and forgets it when the node stops refusing", () => {
    const tracker = new RefusalTracker();
    const refusedBy0 = round(HANDSHAKE_REFUSED, undefined, undefined);
    tracker.observe(refusedBy0, new Map([[NODES[0]!, 0]]));
    tracker.observe(refusedBy0, new Map([[NODES[0]!, 1]]));
    expect(tracker.restartsAtStreakStart(NODES[0]!)).toBe(0);
    // The restart: the node does not answer, the run ends; refusing again starts a run at 1 restart.
    tracker.observe(round('connect ECONNREFUSED 127.0.0.1:5672', undefined, undefined), new Map([[NODES[0]!, 1]]));
    expect(tracker.restartsAtStreakStart(NODES[0]!)).toBeUndefined();
    for (let i = 0; i < REFUSALS_IN_A_ROW; i++) tracker.observe(refusedBy0, new Map([[NODES[0]!, 1]]));
    expect(tracker.settled()).toEqual([NODES[0]]);
    expect(tracker.restartsAtStreakStart(NODES[0]!)).toBe(1);
  });
});

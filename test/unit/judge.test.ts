import { describe, expect, it } from 'vitest';
import { newMethodReport, type CheckRecord, type Diagnosis, type Expectation, type MethodOutcome, type MethodReport } from '../../src/core/journal.js';
import { judge } from '../../src/run/judge.js';

function report(expected: Expectation, outcome: MethodOutcome, fields: { reason?: string; checks?: CheckRecord[]; diagnoses?: Diagnosis[] } = {}): MethodReport {
  const built = newMethodReport({ method: 'chart-force-boot', description: 'a method under test', mechanism: 'in memory', expected });
  built.outcome = outcome;
  if (fields.reason !== undefined) built.reason = fields.reason;
  built.checks.push(...(fields.checks ?? []));
  built.diagnoses.push(...(fields.diagnoses ?? []));
  return built;
}

function diagnosis(signature: string): Diagnosis {
  return { signature, meaning: `${signature} seen`, source: 'cluster', node: 'rabbit-0@localhost', count: 1, evidence: signature };
}

const okChecks: CheckRecord[] = [
  { name: 'put-get', ok: true },
  { name: 'cluster-membership', ok: true },
  { name: 'message-ledger', ok: true },
];

describe('judge', () => {
  it('starts from a report that has not passed (newMethodReport is an error until judged)', () => {
    const fresh = report({ outcome: 'recovered', messages: 'kept' }, 'error');
    expect(fresh.passed).toBe(false);
  });

  it('fails an outcome mismatch: expected recovered, got not-recovered, keeping the drill reason', () => {
    const r = report({ outcome: 'recovered', messages: 'kept' }, 'not-recovered', { reason: 'put-get: ACCESS_REFUSED', checks: okChecks });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('expected recovered, got not-recovered: put-get: ACCESS_REFUSED');
  });

  it('fails an outcome mismatch the other way: expected not-recovered, got recovered ("the cluster came back")', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['split-cluster'] }, 'recovered', { checks: okChecks, diagnoses: [diagnosis('split-cluster')] });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/^expected not-recovered, got recovered: the cluster came back/);
  });

  it('meets a not-applicable expectation only with a not-applicable drill (classic mirroring on 4.x)', () => {
    const expected: Expectation = { outcome: 'not-applicable', why: 'classic queue mirroring was removed in RabbitMQ 4.0' };
    const skipped = report(expected, 'not-applicable', { reason: 'the node runs 4.3.6' });
    judge(skipped);
    expect(skipped.passed).toBe(true);
    const ran = report(expected, 'recovered', { checks: okChecks });
    judge(ran);
    expect(ran.passed).toBe(false);
    expect(ran.reason).toBe('expected not-applicable, got recovered: the cluster came back');
    const wrong = report({ outcome: 'recovered', messages: 'kept' }, 'not-applicable', { reason: 'classic queue mirroring was removed' });
    judge(wrong);
    expect(wrong.passed).toBe(false);
    expect(wrong.reason).toBe('expected recovered, got not-applicable: classic queue mirroring was removed');
  });

  it('fails expected not-recovered with a diagnosis that was not found, naming it', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['split-cluster'] }, 'not-recovered', {
      reason: 'cluster-membership: 2 clusters',
      diagnoses: [diagnosis('access-refused')],
    });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toContain('split-cluster');
    expect(r.reason).toBe('expected not-recovered because of split-cluster, but split-cluster was not diagnosed (found: access-refused): cluster-membership: 2 clusters');
  });

  it('fails expected not-recovered with a diagnosis when nothing at all was diagnosed', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['split-cluster'] }, 'not-recovered');
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toContain('split-cluster was not diagnosed (found: nothing)');
  });

  it('passes expected not-recovered when the expected diagnosis is among the diagnoses', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['split-cluster'] }, 'not-recovered', {
      reason: 'cluster-membership: 2 clusters',
      diagnoses: [diagnosis('access-refused'), diagnosis('split-cluster')],
    });
    judge(r);
    expect(r.passed).toBe(true);
  });

  it('passes expected not-recovered when every named diagnosis is found, even with failed checks (failing is the point)', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock', 'timeout-waiting-for-tables'] }, 'not-recovered', {
      checks: [{ name: 'put-get', ok: false, reason: 'timed out' }],
      diagnoses: [diagnosis('ordered-ready-deadlock'), diagnosis('timeout-waiting-for-tables')],
    });
    judge(r);
    expect(r.passed).toBe(true);
  });

  it('fails a negative control whose cluster stays down for another reason (a port clash is not the expected outage)', () => {
    const r = report({ outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock', 'timeout-waiting-for-tables'] }, 'not-recovered', {
      reason: 'put-get: connect ECONNREFUSED 127.0.0.1:5672',
      diagnoses: [diagnosis('timeout-waiting-for-tables')],
    });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/ordered-ready-deadlock was not diagnosed \(found: timeout-waiting-for-tables\)/);
  });

  it('fails recovered with a failed check, listing each failed check and its reason', () => {
    const r = report({ outcome: 'recovered', messages: 'kept' }, 'recovered', {
      checks: [...okChecks, { name: 'force-boot-ran', ok: false, reason: 'no pod ran rabbitmqctl force_boot' }, { name: 'force-load-consumed', ok: false, reason: 'force_load was never written' }],
    });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('force-boot-ran: no pod ran rabbitmqctl force_boot; force-load-consumed: force_load was never written');
    expect(r.reason).not.toContain('put-get');
  });

  it('fails recovered with a single failed check', () => {
    const r = report({ outcome: 'recovered', messages: 'kept' }, 'recovered', {
      checks: [...okChecks, { name: 'message-ledger', ok: false, reason: '3 of 30 confirmed messages lost' }],
    });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('message-ledger: 3 of 30 confirmed messages lost');
  });

  it('passes recovered when every check is ok', () => {
    const r = report({ outcome: 'recovered', messages: 'kept' }, 'recovered', { checks: okChecks });
    judge(r);
    expect(r.passed).toBe(true);
  });

  it('fails a harness error against any expectation', () => {
    const r = report({ outcome: 'recovered', messages: 'kept' }, 'error', { reason: 'boom' });
    judge(r);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('expected recovered, got error: boom');
  });

  describe('a race (Expect.race): each drill judged by the branch of what happened', () => {
    const race: Expectation = {
      outcome: 'race',
      why: 'which node stopped last',
      recovered: { outcome: 'recovered', messages: 'kept' },
      notRecovered: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] },
    };

    it('meets it by recovering with every check passing', () => {
      const r = report(race, 'recovered', { checks: okChecks });
      judge(r);
      expect(r.passed).toBe(true);
    });

    it('meets it by staying down for the named reason', () => {
      const r = report(race, 'not-recovered', { reason: 'deadlock', diagnoses: [diagnosis('ordered-ready-deadlock')] });
      judge(r);
      expect(r.passed).toBe(true);
    });

    it('does not meet it staying down for another reason (negative control)', () => {
      const r = report(race, 'not-recovered', { reason: 'port clash', diagnoses: [diagnosis('access-refused')] });
      judge(r);
      expect(r.passed).toBe(false);
      expect(r.reason).toMatch(/^expected not-recovered because of ordered-ready-deadlock, but ordered-ready-deadlock was not diagnosed/);
    });

    it('does not meet it recovering with messages lost, nor with an error', () => {
      const lost = report(race, 'recovered', { checks: [...okChecks.slice(0, 2), { name: 'message-ledger', ok: false, reason: '12 lost' }] });
      judge(lost);
      expect(lost.passed).toBe(false);
      const broke = report(race, 'error', { reason: 'boom' });
      judge(broke);
      expect(broke.passed).toBe(false);
    });
  });
});

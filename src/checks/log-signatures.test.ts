import { describe, expect, it } from 'vitest';
import { diagnose, LOG_SIGNATURES, type LogSignature } from './log-signatures.js';

const NODE = 'rabbit-0@localhost';

function bySignature(log: string): Map<string, { count: number; evidence: string; node: string; meaning: string }> {
  return new Map(diagnose(NODE, log).map((d) => [d.signature, d]));
}

describe('diagnose', () => {
  it('finds nothing in a healthy boot: the `Waiting for Mnesia tables` info line alone is not a retry', () => {
    const log = [
      '2024-05-01 10:00:00.000 [info] <0.230.0> Waiting for Mnesia tables for 5000 ms, 2 retries left',
      '2024-05-01 10:00:00.100 [info] <0.230.0> Successfully synced tables from a peer',
      '2024-05-01 10:00:01.000 [info] <0.230.0> Server startup complete; 0 plugins started.',
    ].join('\n');
    expect(diagnose(NODE, log)).toEqual([]);
  });

  it('counts every matching line and keeps the first one, trimmed, as evidence', () => {
    const log = [
      '2024-05-01 10:00:00.000 [info] <0.230.0> Waiting for Mnesia tables for 5000 ms, 2 retries left',
      '  2024-05-01 10:00:05.000 [warning] <0.230.0> Error while waiting for Mnesia tables: first  ',
      '2024-05-01 10:00:05.001 [info] <0.230.0> Waiting for Mnesia tables for 5000 ms, 1 retries left',
      '2024-05-01 10:00:10.000 [warning] <0.230.0> Error while waiting for Mnesia tables: second',
    ].join('\n');
    const found = bySignature(log);
    const retry = found.get('table-wait-retry');
    expect(retry).toMatchObject({
      node: NODE,
      count: 2,
      evidence: '2024-05-01 10:00:05.000 [warning] <0.230.0> Error while waiting for Mnesia tables: first',
    });
    expect(retry?.meaning).toBe(LOG_SIGNATURES.find((s) => s.name === 'table-wait-retry')?.meaning);
    expect([...found.keys()]).toEqual(['table-wait-retry']);
  });

  it('detects BOOT FAILED and the cluster-contact timeout, each counted on its own', () => {
    const log = [
      '2024-05-01 10:00:30.000 [error] <0.230.0> Timeout contacting cluster nodes: [rabbit-1@localhost,rabbit-2@localhost].',
      '2024-05-01 10:00:30.001 [error] <0.230.0> ',
      '2024-05-01 10:00:30.002 [error] <0.230.0> BOOT FAILED',
      '2024-05-01 10:00:30.003 [error] <0.230.0> ===========',
      'BOOT FAILED',
    ].join('\n');
    const found = bySignature(log);
    expect(found.get('boot-failed')).toMatchObject({ count: 2, evidence: '2024-05-01 10:00:30.002 [error] <0.230.0> BOOT FAILED' });
    expect(found.get('timeout-contacting-cluster-nodes')?.count).toBe(1);
    expect(found.size).toBe(2);
  });

  it('decodes Erlang char lists in the evidence', () => {
    const reason = 'nodedown on rabbit-1@localhost';
    const list = [...Buffer.from(reason)].join(',');
    const log = `2024-05-01 10:01:00.000 [error] <0.230.0> Timeout contacting cluster nodes: {error,[${list}]}`;
    const evidence = bySignature(log).get('timeout-contacting-cluster-nodes')?.evidence;
    expect(evidence).toBe(`2024-05-01 10:01:00.000 [error] <0.230.0> Timeout contacting cluster nodes: {error,"${reason}"}`);
  });

  it('finds cluster_not_formed as RabbitMQ logs it (field notes: failed definitions import)', () => {
    const line =
      "2020-09-07 14:30:43.479 [error] <0.3790.0> Encountered an error when importing definitions: {amqp_error,internal_error,\"Cannot declare a queue 'queue 'yasu.test.dlx' in vhost '/yasu'' on node 'rabbit-0@localhost': cluster_not_formed\",none}";
    const found = bySignature(`noise\n${line}\nmore noise`);
    expect(found.get('cluster-not-formed')).toMatchObject({ count: 1, evidence: line });
  });

  it('truncates the evidence to 400 characters', () => {
    const log = `BOOT FAILED ${'x'.repeat(1_000)}`;
    expect(bySignature(log).get('boot-failed')?.evidence).toHaveLength(400);
  });

  it('uses the signatures it is given', () => {
    const custom: LogSignature[] = [{ name: 'custom', pattern: /needle/, meaning: 'a test signature' }];
    expect(diagnose('n', 'hay\nneedle\nBOOT FAILED\nneedle again', { signatures: custom })).toEqual([
      { signature: 'custom', meaning: 'a test signature', source: 'log', node: 'n', count: 2, evidence: 'needle' },
    ]);
  });
});

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

  it('finds queues deleted by forget_cluster_node in 4.0.5 and 4.3.6 wording (runs /tmp/sd/40m, /tmp/sd2/4.3), not the quorum-queue shrink lines', () => {
    const forty = "2026-12-01 13:23:49.900266+00:00 [info] <0.1490.0> Will remove all classic queues from node rabbit-2@localhost. The node is likely being removed from the cluster.";
    const fortyThree = "2026-12-01 14:03:30.459159+00:00 [info] <0.2889.0> Will remove all queues from node rabbit-1@localhost. The node is likely being removed from the cluster.";
    expect(bySignature(forty).get('queues-removed-with-node')).toMatchObject({ count: 1 });
    expect(bySignature(fortyThree).get('queues-removed-with-node')).toMatchObject({ count: 1 });
    const shrink = "2026-12-01 14:03:00.442014+00:00 [info] <0.2378.0> Asked to remove all quorum queue replicas from node rabbit-1@localhost";
    expect(bySignature(shrink).has('queues-removed-with-node')).toBe(false);
  });

  it('finds a quorum queue member left unstarted at declaration and started as new later (4.3.6, /tmp/qd/43), not a healthy start', () => {
    const declared = "2026-12-01 16:37:09.756108+00:00 [info] <0.1141.0> ra: started cluster '%2F_warren.late.quorum' with 3 servers. 1 servers failed to start: [{'%2F_warren.late.quorum','rabbit-2@localhost'}]. Leader: {'%2F_warren.late.quorum','rabbit-0@localhost'}";
    const returned = "2026-12-01 16:37:15.128860+00:00 [warning] <0.631.0> Quorum queue recovery: configured member of queue 'warren.late.quorum' in vhost '/' was not found on this node. Starting member as a new one. Context: name_not_registered";
    expect(bySignature(declared).get('member-not-started-at-declaration')).toMatchObject({ count: 1 });
    const declared310 = "2026-12-01 16:38:03.614238+00:00 [info] <0.1319.0> 1 servers failed to start: [{'%2F_warren.late.quorum','rabbit-2@localhost'}]";
    expect(bySignature(declared310).get('member-not-started-at-declaration')).toMatchObject({ count: 1 });
    const coordinator = "2026-12-01 16:38:03.614238+00:00 [info] <0.1319.0> ra: started cluster rabbit_stream_coordinator with 3 servers. 1 servers failed to start: [{rabbit_stream_coordinator,'rabbit-2@localhost'}]";
    expect(bySignature(coordinator).has('member-not-started-at-declaration')).toBe(false);
    expect(bySignature(returned).get('member-started-as-new')).toMatchObject({ count: 1 });
    const healthy = "2026-12-01 16:37:05.278446+00:00 [info] <0.887.0> ra: started cluster '%2F_warren.ledger.quorum' with 3 servers. 0 servers failed to start: []. Leader: {'%2F_warren.ledger.quorum','rabbit-0@localhost'}";
    expect([...bySignature(healthy).keys()]).toEqual([]);
  });

  it('finds a required feature flag left disabled by the old series (3.10.8 → 4.0.5, /tmp/up/310)', () => {
    const line = '2026-12-01 18:14:04.091116+00:00 [error] <0.216.0> Feature flags: `stream_single_active_consumer`: required feature flag not enabled! It must be enabled before upgrading RabbitMQ.';
    expect(bySignature(line).get('disabled-required-feature-flag')).toMatchObject({ count: 1, evidence: line });
    expect(bySignature('2026-12-01 18:14:04.091116+00:00 [info] <0.216.0> Feature flags: `stream_single_active_consumer`: enabled').has('disabled-required-feature-flag')).toBe(false);
  });

  it('finds a feature flag a newer node needs and its older peers do not support (4.0.5 → 4.3.6, /tmp/up/40m)', () => {
    const line = '2026-12-01 18:11:14.258007+00:00 [error] <0.567.0> Feature flags: `amqp_filter_set_bug`: unsupported; aborting';
    expect(bySignature(line).get('feature-flag-unsupported')).toMatchObject({ count: 1, evidence: line });
    expect(bySignature('2026-12-01 18:11:14.233063+00:00 [notice] <0.567.0> Feature flags: `amqp_address_v1` enabled').has('feature-flag-unsupported')).toBe(false);
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

describe('diagnose: what clients and the CLI were told', () => {
  /** amqplib's error when RabbitMQ closes the handshake because the login was refused. */
  const HANDSHAKE_REFUSED =
    'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."';

  it("finds access-refused in amqplib's handshake error, as a client-side diagnosis", () => {
    const access = LOG_SIGNATURES.find((s) => s.name === 'access-refused')!;
    expect(access.pattern.test(HANDSHAKE_REFUSED)).toBe(true);
    expect(diagnose('rabbit-1@localhost', HANDSHAKE_REFUSED, { source: 'client' })).toEqual([
      { signature: 'access-refused', meaning: access.meaning, source: 'client', node: 'rabbit-1@localhost', count: 1, evidence: HANDSHAKE_REFUSED },
    ]);
  });

  it('finds nothing in other client errors (connection refused, missing queue, timeout)', () => {
    const errors = [
      'connect ECONNREFUSED 127.0.0.1:5672',
      'Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue \'warren.probe.classic.0\' in vhost \'/\'"',
      'AMQP connect to 127.0.0.1:5672: timed out after 3000 ms',
    ];
    for (const error of errors) expect(diagnose('n', error, { source: 'client' }), error).toEqual([]);
  });

  it('defaults the source to log', () => {
    expect(diagnose('n', HANDSHAKE_REFUSED)[0]?.source).toBe('log');
  });

  it("finds the CLI's Erlang cookie refusal", () => {
    const cli = [
      "Error: unable to perform an operation on node 'rabbit-1@localhost'. Please see diagnostics information and suggestions below.",
      '',
      'DIAGNOSTICS',
      '===========',
      '',
      'attempted to contact: [rabbit-1@localhost]',
      '',
      'rabbit-1@localhost:',
      '  * connected to epmd (port 4369) on localhost',
      "  * epmd reports node 'rabbit-1' uses port 25673 for inter-node and CLI tool traffic",
      '  * TCP connection succeeded but Erlang distribution failed',
      '  * Authentication failed (rejected by the remote node), please check the Erlang cookie',
    ].join('\n');
    const found = diagnose('cluster-membership', cli, { source: 'client' });
    expect(found.map((d) => d.signature)).toEqual(['cookie-authentication-failed']);
    expect(found[0]).toMatchObject({
      source: 'client',
      node: 'cluster-membership',
      count: 1,
      evidence: '* Authentication failed (rejected by the remote node), please check the Erlang cookie',
    });
  });

  it('does not take any authentication failure for a cookie mismatch', () => {
    expect(diagnose('n', 'Authentication failed for user guest', { source: 'client' })).toEqual([]);
  });

  it("finds cluster_not_formed inside the Erlang char list of the seed's failed definitions import, and shows the sentence", () => {
    const sentence =
      "Cannot declare a queue 'queue 'yasu.test.dlx' in vhost '/yasu'' on node 'rabbit@prodmq-rabbitmq-0.prodmq-rabbitmq-headless.rabbitmq.svc.cluster.local': cluster_not_formed";
    const codes = Array.from({ length: sentence.length }, (_, i) => sentence.charCodeAt(i));
    const error = `["amqp_error","internal_error",[${codes.join(',')}]]`;
    // As the field notes show it: the sentence is only bytes, the signature's words are not in the text.
    expect(error.startsWith('["amqp_error","internal_error",[67,97,110,110,111,116,32,100,101,99,108,97,114,101,32,97,32,113,117,101,117,101,')).toBe(true);
    expect(error).not.toContain('cluster_not_formed');

    const found = diagnose('rabbit-0@localhost', `Importing definitions...\n${error}\n`, { source: 'client' });
    expect(found.map((d) => d.signature)).toEqual(['cluster-not-formed']);
    expect(found[0]).toMatchObject({ source: 'client', node: 'rabbit-0@localhost', count: 1 });
    expect(found[0]!.evidence).toContain(sentence);
    expect(found[0]!.evidence).toBe(`["amqp_error","internal_error",${JSON.stringify(sentence)}]`);
  });

  it('leaves a char list of other words undiagnosed', () => {
    const codes = Array.from('Cannot declare a queue: not_found', (char) => char.charCodeAt(0));
    expect(diagnose('n', `["amqp_error","internal_error",[${codes.join(',')}]]`, { source: 'client' })).toEqual([]);
  });
});

describe('method-outlasted-deadline', () => {
  it("is found in put-get's reason when a method was still running at the deadline (4.0.5 run, /tmp/fs40k), and not in others", () => {
    const reason = 'method definitions-reimport still running at the recovery deadline (120 s)';
    expect(diagnose('put-get', reason, { source: 'client' }).map((found) => found.signature)).toEqual(['method-outlasted-deadline']);
    expect(diagnose('put-get', 'put/get still failing at the recovery deadline: connect ECONNREFUSED', { source: 'client' }).map((found) => found.signature)).not.toContain('method-outlasted-deadline');
  });
});

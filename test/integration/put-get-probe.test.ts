import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpConnection } from '../../src/broker/amqp-connection.js';
import { declareQueues, probeQueues, putGet } from '../../src/broker/workload.js';
import { generateCredentials, Redactor } from '../../src/common/secrets.js';
import { LocalPlatform } from '../../src/platforms/local/local-platform.js';
import type { StartedCluster } from '../../src/platforms/platform.js';
import { FileLogger } from '../../src/run/logger.js';

/**
 * The put/get probe reads back both ways a client does. A queue whose consumer side is broken while basic.get
 * still works (here: another client holds it with an exclusive consumer) must fail the consume probe: a probe by
 * basic.get alone would call it healthy.
 */
describe.sequential('put/get probe: basic.get and basic.consume', () => {
  const dirs: string[] = [];
  let cluster: StartedCluster | undefined;
  afterAll(async () => {
    await cluster?.teardown();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('passes both modes on healthy classic and quorum queues, and fails only basic.consume while another consumer holds the queue exclusively', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(dir);
    const redactor = new Redactor();
    const credentials = generateCredentials();
    redactor.add(credentials);
    cluster = await new LocalPlatform({ redactor }).provision(
      { runId: `test-${Date.now().toString(16)}`, nodes: 1, startPolicy: 'OrderedReady', credentials, tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 } },
      { signal: new AbortController().signal, log: new FileLogger(join(dir, 'warren.log'), redactor), keep: false },
    );
    const node = cluster.nodes[0]!;
    const [classic, quorum] = [probeQueues(1).find((queue) => queue.type === 'classic')!, probeQueues(1).find((queue) => queue.type === 'quorum')!];
    await declareQueues(node, credentials, [classic, quorum]);

    for (const queue of [classic, quorum]) {
      const healthy = await putGet(node, credentials, queue, `probe:healthy:${queue.type}`);
      expect(healthy.map((result) => [result.mode, result.ok])).toEqual([
        ['get', true],
        ['consume', true],
      ]);
    }

    await using holder = await AmqpConnection.open({ endpoint: node.amqp, credentials });
    const channel = await holder.confirmChannel();
    await channel.prefetch(1);
    // Holds one message unacked (a filler published first), so later probes stay ready for basic.get; nobody else
    // may consume.
    channel.sendToQueue(classic.name, Buffer.from('filler'), { persistent: true });
    await channel.waitForConfirms();
    await channel.consume(classic.name, () => {}, { exclusive: true, noAck: false });
    const held = await putGet(node, credentials, classic, 'probe:held');
    expect(held.find((result) => result.mode === 'get')?.ok).toBe(true);
    const consume = held.find((result) => result.mode === 'consume');
    expect(consume?.ok).toBe(false);
    expect(consume?.error).toMatch(/exclusive/i);
  });
});

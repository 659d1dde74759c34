import { describe, expect, it } from 'vitest';
import { AmqpConnection } from '../../src/broker/amqp-connection.js';
import { declareQueues, probeQueues, putGet } from '../../src/broker/workload.js';
import { provisionLocalCluster } from '../support/one-local-cluster.js';

/**
 * The put/get probe reads back both ways a client does. A queue whose consumer side is broken while basic.get
 * still works (here: another client holds it with an exclusive consumer) must fail the consume probe: a probe by
 * basic.get alone would call it healthy.
 */
describe.sequential('put/get probe: basic.get and basic.consume', () => {
  it('passes both modes on healthy classic and quorum queues, and fails only basic.consume while another consumer holds the queue exclusively', async () => {
    await using test = await provisionLocalCluster(1);
    const { cluster, credentials } = test;
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

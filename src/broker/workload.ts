import type { ConfirmChannel } from 'amqplib';
import { errorMessage } from '../common/errors.js';
import type { Credentials } from '../common/secrets.js';
import type { ClusterNode } from '../platforms/platform.js';
import { withTimeout } from '../common/wait.js';
import { AmqpConnection } from './amqp-connection.js';

export type QueueType = 'classic' | 'quorum';

export interface QueueRef {
  name: string;
  type: QueueType;
  /** The node whose connection declared it: a classic queue lives there. */
  homeOrdinal: number;
}

/**
 * The queues a drill uses. Ledger queues carry the seeded messages (one durable classic queue per node, so
 * every node holds data of its own, and one quorum queue replicated on all nodes); probe queues carry the
 * put/get probes, so probing never disturbs the ledger.
 */
export function ledgerQueues(nodes: number): QueueRef[] {
  return [
    ...Array.from({ length: nodes }, (_, i) => ({ name: `warren.ledger.classic.${i}`, type: 'classic' as const, homeOrdinal: i })),
    { name: 'warren.ledger.quorum', type: 'quorum', homeOrdinal: 0 },
  ];
}

/**
 * One probe queue of each type per node, declared through that node (a classic queue lives there, a quorum
 * queue starts with its leader there). Node i probes the queues homed on node i+1, so every probe crosses
 * the cluster and no two probes ever read the same queue (they would steal each other's messages).
 */
export function probeQueues(nodes: number): QueueRef[] {
  return Array.from({ length: nodes }, (_, i) =>
    (['classic', 'quorum'] as const).map((type) => ({ name: `warren.probe.${type}.${i}`, type, homeOrdinal: i })),
  ).flat();
}

export function probeTargets(ordinal: number, nodes: number): QueueRef[] {
  return probeQueues(nodes).filter((queue) => queue.homeOrdinal === (ordinal + 1) % nodes);
}

export function queueArguments(type: QueueType): Record<string, unknown> {
  return { 'x-queue-type': type };
}

export async function declareQueues(node: ClusterNode, credentials: Credentials, queues: QueueRef[]): Promise<void> {
  await using connection = await AmqpConnection.open({ endpoint: node.amqp, credentials });
  const channel = await connection.confirmChannel();
  for (const queue of queues) {
    await connection.bounded(`declare ${queue.name}`, channel.assertQueue(queue.name, { durable: true, arguments: queueArguments(queue.type) }));
  }
}

/** Publishes with confirms; resolves with the ids the broker confirmed (a nack or a timeout leaves them out). */
export async function publishConfirmed(
  channel: ConfirmChannel,
  connection: AmqpConnection,
  queue: string,
  messageIds: string[],
  runId: string,
): Promise<string[]> {
  const confirmed: string[] = [];
  const pending = messageIds.map(
    (messageId) =>
      new Promise<void>((resolve) => {
        channel.sendToQueue(
          queue,
          Buffer.from(JSON.stringify({ messageId, runId })),
          { persistent: true, messageId, headers: { 'x-warren-run': runId } },
          (error: unknown) => {
            if (!error) confirmed.push(messageId);
            resolve();
          },
        );
      }),
  );
  await connection.bounded(`confirms for ${messageIds.length} messages to ${queue}`, Promise.all(pending));
  return confirmed;
}

export interface SeedResult {
  queue: string;
  published: string[];
  confirmed: string[];
}

/** Fills each ledger queue through its home node with `perQueue` persistent messages. */
export async function seedMessages(nodes: readonly ClusterNode[], credentials: Credentials, runId: string, perQueue: number): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  for (const queue of ledgerQueues(nodes.length)) {
    const node = nodes[queue.homeOrdinal]!;
    await using connection = await AmqpConnection.open({ endpoint: node.amqp, credentials }, 10_000);
    const channel = await connection.confirmChannel();
    const published = Array.from({ length: perQueue }, (_, i) => `${runId}:${queue.name}:${i}`);
    const confirmed = await publishConfirmed(channel, connection, queue.name, published, runId);
    results.push({ queue: queue.name, published, confirmed });
  }
  return results;
}

/**
 * Reads a queue to empty and acks everything; returns the message ids in the order read. Consumes with a
 * prefetch window (basic.get costs a round trip per message), until the count the broker reported at the
 * start has arrived and the queue then stays quiet briefly.
 */
export async function drainQueue(node: ClusterNode, credentials: Credentials, queue: string, timeoutMs = 60_000): Promise<string[]> {
  await using connection = await AmqpConnection.open({ endpoint: node.amqp, credentials }, 10_000);
  const channel = await connection.confirmChannel();
  const { messageCount } = await connection.bounded(`check ${queue}`, channel.checkQueue(queue));
  await channel.prefetch(1_000);
  const ids: string[] = [];
  let quietTimer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const settle = () => {
      clearTimeout(quietTimer);
      quietTimer = setTimeout(resolve, 150);
    };
    if (messageCount === 0) settle();
    void channel.consume(
      queue,
      (message) => {
        if (message === null) return resolve();
        ids.push(String(message.properties.messageId ?? message.content.toString()));
        channel.ack(message);
        if (ids.length >= messageCount) settle();
      },
      { noAck: false },
    );
  });
  try {
    await withTimeout(`drain ${queue} (${messageCount} messages)`, done, timeoutMs);
  } finally {
    clearTimeout(quietTimer);
  }
  await connection.bounded(`confirm acks on ${queue}`, channel.waitForConfirms().catch(() => undefined));
  return ids;
}

export interface PutGetResult {
  node: string;
  ordinal: number;
  queue: string;
  queueType: QueueType;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/**
 * One put/get through one node: publish a probe with confirms, then basic.get it back and ack. Probes left
 * behind by earlier failed attempts are acked on the way, so only this probe's round trip counts.
 */
export async function putGet(node: ClusterNode, credentials: Credentials, queue: QueueRef, probeId: string, timeoutMs = 3_000): Promise<PutGetResult> {
  const started = Date.now();
  const result = (ok: boolean, error?: string): PutGetResult => ({
    node: node.nodeName,
    ordinal: node.ordinal,
    queue: queue.name,
    queueType: queue.type,
    ok,
    latencyMs: Date.now() - started,
    ...(error === undefined ? {} : { error }),
  });
  try {
    await using connection = await AmqpConnection.open({ endpoint: node.amqp, credentials }, timeoutMs);
    const channel = await connection.confirmChannel();
    await connection.bounded(`check ${queue.name}`, channel.checkQueue(queue.name));
    const confirmed = await publishConfirmed(channel, connection, queue.name, [probeId], 'probe');
    if (confirmed.length === 0) return result(false, `publish to ${queue.name} was not confirmed (nack)`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const message = await connection.bounded(`get from ${queue.name}`, channel.get(queue.name, { noAck: false }));
      if (message === false) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      channel.ack(message);
      if (message.properties.messageId === probeId) return result(true);
    }
    return result(false, `probe published to ${queue.name} but not read back within ${timeoutMs} ms`);
  } catch (error) {
    return result(false, errorMessage(error));
  }
}

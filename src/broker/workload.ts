import type { ConfirmChannel } from 'amqplib';
import { errorMessage, WaitTimeoutError } from '../common/errors.js';
import type { Credentials } from '../common/secrets.js';
import type { ClusterNode } from '../core/platform.js';
import type { PutGetResult, QueueType, ReadMode } from '../core/journal.js';
import { withTimeout } from '../common/wait.js';
import { AmqpConnection } from './amqp-connection.js';

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
  type: QueueType;
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
    results.push({ queue: queue.name, type: queue.type, published, confirmed });
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

/**
 * Put and get through one node, both ways a client reads: publish a probe with confirms and `basic.get` it back,
 * then publish another and receive it through `basic.consume`. One connection, one after the other (the two
 * must not steal each other's probe). Probes left behind by earlier failed attempts are acked on the way, so
 * only this probe's round trip counts. Never throws: a failure is a result with `error`.
 * @param probeId unique per call; `:get` / `:consume` are appended.
 * @param timeoutMs bound for the connection, each AMQP call and each read back (ms).
 */
export async function putGet(node: ClusterNode, credentials: Credentials, queue: QueueRef, probeId: string, timeoutMs = 3_000): Promise<PutGetResult[]> {
  const started = Date.now();
  const result = (mode: ReadMode, since: number, ok: boolean, error?: string): PutGetResult => ({
    node: node.nodeName,
    ordinal: node.ordinal,
    queue: queue.name,
    queueType: queue.type,
    mode,
    ok,
    latencyMs: Date.now() - since,
    ...(error === undefined ? {} : { error }),
  });
  let connection: AmqpConnection;
  try {
    connection = await AmqpConnection.open({ endpoint: node.amqp, credentials }, timeoutMs);
  } catch (error) {
    return [result('get', started, false, errorMessage(error)), result('consume', started, false, errorMessage(error))];
  }
  await using _ = connection;
  const results: PutGetResult[] = [];
  for (const mode of ['get', 'consume'] as const) {
    const since = Date.now();
    try {
      const channel = await connection.confirmChannel();
      await connection.bounded(`check ${queue.name}`, channel.checkQueue(queue.name));
      const id = `${probeId}:${mode}`;
      const confirmed = await publishConfirmed(channel, connection, queue.name, [id], 'probe');
      if (confirmed.length === 0) {
        results.push(result(mode, since, false, `publish to ${queue.name} was not confirmed (nack)`));
        continue;
      }
      const read = mode === 'get' ? await readByGet(connection, channel, queue.name, id, timeoutMs) : await readByConsume(connection, channel, queue.name, id, timeoutMs);
      results.push(read ? result(mode, since, true) : result(mode, since, false, `probe published to ${queue.name} but not read back by basic.${mode} within ${timeoutMs} ms`));
      await channel.close().catch(() => undefined);
    } catch (error) {
      results.push(result(mode, since, false, errorMessage(error)));
    }
  }
  return results;
}

/** Polls with basic.get until the probe comes back (acking leftovers); false at the deadline. */
async function readByGet(connection: AmqpConnection, channel: ConfirmChannel, queue: string, probeId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const message = await connection.bounded(`get from ${queue}`, channel.get(queue, { noAck: false }));
    if (message === false) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    channel.ack(message);
    if (message.properties.messageId === probeId) return true;
  }
  return false;
}

/** Subscribes with basic.consume until the probe is delivered (acking leftovers), then cancels; false at the deadline. */
async function readByConsume(connection: AmqpConnection, channel: ConfirmChannel, queue: string, probeId: string, timeoutMs: number): Promise<boolean> {
  let delivered!: () => void;
  const arrived = new Promise<void>((resolve) => (delivered = resolve));
  const { consumerTag } = await connection.bounded(
    `consume from ${queue}`,
    channel.consume(
      queue,
      (message) => {
        if (message === null) return; // cancelled by the broker (a queue whose leader went away)
        channel.ack(message);
        if (message.properties.messageId === probeId) delivered();
      },
      { noAck: false },
    ),
  );
  try {
    await withTimeout(`basic.consume delivery from ${queue}`, arrived, timeoutMs);
    return true;
  } catch (error) {
    if (error instanceof WaitTimeoutError) return false;
    throw error;
  } finally {
    await connection.bounded(`cancel consumer on ${queue}`, channel.cancel(consumerTag)).catch(() => undefined);
  }
}

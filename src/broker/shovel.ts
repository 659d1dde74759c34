import { ClusterCommandError } from '../common/errors.js';
import type { Credentials } from '../common/secrets.js';
import { firstLine } from '../common/text.js';
import type { AmqpEndpoint, StartedCluster } from '../core/platform.js';

/** The messages each queue holds now (`rabbitmqctl list_queues name messages`), by queue name. */
export async function queueDepths(cluster: StartedCluster, ordinal: number): Promise<Map<string, number>> {
  const result = await cluster.exec(ordinal, 'rabbitmqctl', ['list_queues', 'name', 'messages', '--formatter', 'json'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`list_queues on node ${ordinal} failed: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  const rows = JSON.parse(result.stdout) as { name: string; messages?: number | '' }[];
  return new Map(rows.map((row) => [row.name, typeof row.messages === 'number' ? row.messages : 0]));
}

/** The queue a shovel moves, with the arguments it was declared with (a shovel's declare must match them). */
export interface ShovelledQueue {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * A dynamic shovel's definition (rabbitmq.com/docs/shovel-dynamic) that moves the messages `queue` holds when it
 * starts from `source` to the same queue at `destination`, then deletes itself (`src-delete-after: queue-length`).
 * Each message is acknowledged at the source only once the destination confirmed it (`ack-mode: on-confirm`, the
 * default, written out): a message is never in neither cluster. The shovel declares both queues, so it is given the
 * queue's own arguments (a quorum queue declared without `x-queue-type` is refused, rabbitmq-server #10501).
 * @returns the parameter's value (a definitions file's `parameters[].value`): it holds the credentials, never print it.
 */
export function moveShovel(source: AmqpEndpoint, destination: AmqpEndpoint, credentials: Credentials, queue: ShovelledQueue): Record<string, unknown> {
  const uri = (endpoint: AmqpEndpoint) => `amqp://${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@${endpoint.host}:${endpoint.port}`;
  return {
    'src-protocol': 'amqp091',
    'src-uri': uri(source),
    'src-queue': queue.name,
    'src-queue-args': queue.arguments,
    'dest-protocol': 'amqp091',
    'dest-uri': uri(destination),
    'dest-queue': queue.name,
    'dest-queue-args': queue.arguments,
    'ack-mode': 'on-confirm',
    'src-delete-after': 'queue-length',
  };
}

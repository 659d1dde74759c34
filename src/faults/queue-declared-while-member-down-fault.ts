import { AmqpConnection } from '../broker/amqp-connection.js';
import { quorumLeadership, transferLeadership } from '../broker/quorum-leadership.js';
import { publishConfirmed, queueArguments } from '../broker/workload.js';
import type { LateQueueRecord } from '../checks/late-member-consumer-check.js';
import { ClusterCommandError } from '../common/errors.js';
import { waitFor } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';
import type { ActiveFault, Fault } from './fault.js';

/** The quorum queue the fault declares while a member is down (not in the seeded ledger: it is this fault's own). */
export const LATE_QUEUE = 'warren.late.quorum';
/** Messages published to it while the member is down, and again once that member leads. */
const MESSAGES_EACH_PHASE = 100;
/** How long the returning pod and its member may take to be ready and to lead (3.10 boots in ~7 s on this machine). */
const RETURN_TIMEOUT_MS = 60_000;

/**
 * A quorum queue declared while one of its members is down, that member returning, then leading with a consumer
 * attached. The field's report (rabbitmq-server PR #8630, 2023: "This can happen if a quorum queue is declared when only
 * two nodes are reachable out of three"; issue #15725, 2026: a queue left leaderless after its member was "started as a
 * new one") is about the member that never ran at declaration: when its node boots, RabbitMQ has to start it from the
 * queue's record. The fault:
 * 1. scales the StatefulSet to N-1 (the highest pod goes, its node stays a member: `kubectl scale`),
 * 2. declares {@link LATE_QUEUE} through pod 0 and publishes 100 confirmed messages,
 * 3. scales back to N and waits for the pod to be ready,
 * 4. attaches a consumer through pod 0 (it acks what it receives),
 * 5. moves the queue's leadership to the returning node's member (`ra:transfer_leadership/2`), and
 * 6. publishes 100 more confirmed messages through pod 0.
 * Nothing is reverted: whether the consumer got every message, and what leads the queue, is what the scenario's check
 * ({@link LateMemberConsumerCheck}) judges. Steps 3 to 6 are recorded, never thrown: a member that cannot lead is the
 * finding. Needs at least 3 nodes (a majority must stay while one is down).
 */
export class QueueDeclaredWhileMemberDownFault implements Fault {
  readonly name = 'queue-declared-while-member-down';
  readonly description = 'a quorum queue declared while its third member is down; that member returns and is made leader with a consumer attached';
  readonly requires = ['statefulset'] as const;
  readonly #records = new Map<string, LateQueueRecord>();

  /** What the fault did in drill `runId`, or undefined before it struck. */
  record(runId: string): LateQueueRecord | undefined {
    return this.#records.get(runId);
  }

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'statefulset');
    const all = cluster.nodes.length;
    if (all < 3) throw new ClusterCommandError(`${this.name} needs at least 3 nodes (a majority must stay up while one is down), got ${all}`, { failure: 'exit-code' });
    const down = cluster.nodes[all - 1]!;
    const pod0 = cluster.nodes[0]!;
    const record: LateQueueRecord = { queue: LATE_QUEUE, lateMember: down.nodeName, atDeclaration: '', confirmedWhileDown: [], transfer: 'not attempted', leaderAfterMove: 'not asked', confirmedAfterMove: [], received: [] };
    this.#records.set(context.runId, record);
    const active: ActiveFault = {
      revert: async () => {
        const consumer = record.consumer;
        delete record.consumer;
        await consumer?.connection.close();
      },
      [Symbol.asyncDispose]: () => active.revert(),
    };

    context.mark(`kubectl scale --replicas=${all - 1}: pod ${down.ordinal} down, its node still a member`);
    await cluster.scale(all - 1);
    {
      await using publisher = await AmqpConnection.open({ endpoint: pod0.amqp, credentials: cluster.credentials }, 10_000);
      const channel = await publisher.confirmChannel();
      await publisher.bounded(`declare ${LATE_QUEUE}`, channel.assertQueue(LATE_QUEUE, { durable: true, arguments: queueArguments('quorum') }));
      const ids = Array.from({ length: MESSAGES_EACH_PHASE }, (_, i) => `${context.runId}:${LATE_QUEUE}:down:${i}`);
      record.confirmedWhileDown = await publishConfirmed(channel, publisher, LATE_QUEUE, ids, context.runId);
    }
    record.atDeclaration = describe(await quorumLeadership(cluster, 0, LATE_QUEUE));
    context.addEvidence(`${LATE_QUEUE} declared through pod 0 while ${down.nodeName} was down: ${record.atDeclaration}; ${record.confirmedWhileDown.length} of ${MESSAGES_EACH_PHASE} messages confirmed`);
    context.mark(`${LATE_QUEUE} declared, ${record.confirmedWhileDown.length} messages confirmed; scaling back to ${all}`);

    await cluster.scale(all);
    const ready = await waitFor(`pod ${down.ordinal} ready again`, async () => cluster.status()[down.ordinal]?.phase === 'ready', { timeoutMs: RETURN_TIMEOUT_MS, signal: context.signal }).then(
      () => true,
      (error: unknown) => {
        if (context.signal.aborted) throw error;
        return false;
      },
    );
    context.mark(ready ? `pod ${down.ordinal} ready again` : `pod ${down.ordinal} not ready after ${RETURN_TIMEOUT_MS / 1000} s`);

    const connection = await AmqpConnection.open({ endpoint: pod0.amqp, credentials: cluster.credentials }, 10_000);
    const channel = await connection.confirmChannel();
    record.consumer = { connection, channel };
    await channel.prefetch(50);
    await connection.bounded(
      `consume ${LATE_QUEUE}`,
      channel.consume(
        LATE_QUEUE,
        (message) => {
          if (message === null) {
            record.cancelledByBroker = `after ${(context.elapsedMs() / 1000).toFixed(1)} s of the drill`;
            return;
          }
          record.received.push(String(message.properties.messageId));
          channel.ack(message);
        },
        { noAck: false },
      ),
    );
    context.mark(`consumer attached to ${LATE_QUEUE} through pod 0; moving leadership to ${down.nodeName}`);

    // The returning member may still be starting (or catching up): Ra refuses a transfer to it until then.
    record.transfer = await waitFor(
      `leadership of ${LATE_QUEUE} on ${down.nodeName}`,
      async () => {
        const answer = await transferLeadership(cluster, 0, LATE_QUEUE, down.nodeName);
        record.transfer = answer;
        if (answer !== 'ok' && answer !== 'already_leader') return false;
        const now = await quorumLeadership(cluster, 0, LATE_QUEUE);
        return 'leader' in now && now.leader === down.nodeName ? answer : false;
      },
      { timeoutMs: RETURN_TIMEOUT_MS, intervalMs: 1_000, signal: context.signal },
    ).catch((error: unknown) => {
      if (context.signal.aborted) throw error;
      return `${record.transfer} (no leadership on ${down.nodeName} within ${RETURN_TIMEOUT_MS / 1000} s)`;
    });
    record.leaderAfterMove = describe(await quorumLeadership(cluster, 0, LATE_QUEUE));
    context.addEvidence(`ra:transfer_leadership of ${LATE_QUEUE} to ${down.nodeName}: ${record.transfer}; then ${record.leaderAfterMove}`);

    const ids = Array.from({ length: MESSAGES_EACH_PHASE }, (_, i) => `${context.runId}:${LATE_QUEUE}:led:${i}`);
    record.confirmedAfterMove = await publishConfirmed(channel, connection, LATE_QUEUE, ids, context.runId).catch(() => []);
    context.mark(`${record.confirmedAfterMove.length} more messages confirmed with ${record.leaderAfterMove}; consumer has ${new Set(record.received).size}`);
    return active;
  }
}

function describe(leadership: Awaited<ReturnType<typeof quorumLeadership>>): string {
  return 'error' in leadership ? leadership.error : `leader ${leadership.leader}, members ${leadership.members.join(', ')}`;
}

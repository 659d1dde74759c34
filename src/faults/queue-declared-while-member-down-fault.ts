import { AmqpConnection } from '../broker/amqp-connection.js';
import { quorumLeadership, transferLeadership } from '../broker/quorum-leadership.js';
import { publishConfirmed, queueArguments } from '../broker/workload.js';
import { describeLeadership, type LateQueueRecord } from '../checks/late-member-consumer-check.js';
import { ClusterCommandError, errorMessage } from '../common/errors.js';
import { sleep, waitFor } from '../common/wait.js';
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
 * The queue is declared with `x-quorum-initial-group-size` N, so the down node is a member by request. Whether it was,
 * whether it led, and whether the consumer got every message are judged by the scenario's check
 * (LateMemberConsumerCheck), from what the fault records: a transfer Ra refuses, a member that does not lead or a
 * publish that fails after the declaration is recorded, not thrown. A pod that does not come back, an AMQP connection
 * or declaration refused, or Ctrl-C, throws (the consumer's connection is closed first). Needs at least 3 nodes (a
 * majority must stay while one is down).
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
    const record: LateQueueRecord = {
      queue: LATE_QUEUE,
      lateMember: down.nodeName,
      atDeclaration: { error: 'not asked' },
      published: MESSAGES_EACH_PHASE,
      confirmedWhileDown: [],
      transfer: 'not attempted',
      afterMove: { error: 'not asked' },
      confirmedAfterMove: [],
      received: [],
    };
    this.#records.set(context.runId, record);
    // Undone at teardown (the drill's checks read the record first), or at once if the fault throws midway.
    const active: ActiveFault = {
      revert: async () => {
        const consumer = record.consumer;
        delete record.consumer;
        this.#records.delete(context.runId);
        await consumer?.connection.close();
      },
      [Symbol.asyncDispose]: () => active.revert(),
    };
    try {
      await this.#strike(context, record, down.ordinal);
      return active;
    } catch (error) {
      await active.revert();
      throw error;
    }
  }

  async #strike(context: DrillContext, record: LateQueueRecord, downOrdinal: number): Promise<void> {
    const cluster = need(context.cluster, 'statefulset');
    const all = cluster.nodes.length;
    const pod0 = cluster.nodes[0]!;
    const ids = (phase: string) => Array.from({ length: MESSAGES_EACH_PHASE }, (_, i) => `${context.runId}:${LATE_QUEUE}:${phase}:${i}`);

    context.mark(`kubectl scale --replicas=${all - 1}: pod ${downOrdinal} down, its node still a member`);
    await cluster.scale(all - 1);
    {
      await using publisher = await AmqpConnection.open({ endpoint: pod0.amqp, credentials: cluster.credentials }, 10_000);
      const channel = await publisher.confirmChannel();
      // Every node a member, the down one too (4.x's default initial group size may pick fewer than the cluster).
      const args = { ...queueArguments('quorum'), 'x-quorum-initial-group-size': all };
      await publisher.bounded(`declare ${LATE_QUEUE}`, channel.assertQueue(LATE_QUEUE, { durable: true, arguments: args }));
      record.confirmedWhileDown = await publishConfirmed(channel, publisher, LATE_QUEUE, ids('down'), context.runId);
    }
    record.atDeclaration = await quorumLeadership(cluster, 0, LATE_QUEUE);
    context.addEvidence(`${LATE_QUEUE} declared through pod 0 while ${record.lateMember} was down: ${describeLeadership(record.atDeclaration)}; ${record.confirmedWhileDown.length} of ${MESSAGES_EACH_PHASE} messages confirmed`);
    context.mark(`${LATE_QUEUE} declared, ${record.confirmedWhileDown.length} messages confirmed; scaling back to ${all}`);

    await cluster.scale(all);
    const ready = await waitFor(`pod ${downOrdinal} ready again`, async () => cluster.status()[downOrdinal]?.phase === 'ready', { timeoutMs: RETURN_TIMEOUT_MS, signal: context.signal }).then(
      () => true,
      (error: unknown) => {
        if (context.signal.aborted) throw error;
        return false;
      },
    );
    context.mark(ready ? `pod ${downOrdinal} ready again` : `pod ${downOrdinal} not ready after ${RETURN_TIMEOUT_MS / 1000} s`);

    const connection = await AmqpConnection.open({ endpoint: pod0.amqp, credentials: cluster.credentials }, 10_000);
    record.consumer = { connection, channel: await connection.confirmChannel() };
    const { channel } = record.consumer;
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
    context.mark(`consumer attached to ${LATE_QUEUE} through pod 0; moving leadership to ${record.lateMember}`);

    record.transfer = await this.#moveLeadership(context, record);
    record.afterMove = await quorumLeadership(cluster, 0, LATE_QUEUE);
    context.addEvidence(`ra:transfer_leadership of ${LATE_QUEUE} to ${record.lateMember}: ${record.transfer}; then ${describeLeadership(record.afterMove)}`);

    try {
      record.confirmedAfterMove = await publishConfirmed(channel, connection, LATE_QUEUE, ids('led'), context.runId);
    } catch (error) {
      record.publishError = `publishing once ${record.lateMember} led: ${errorMessage(error)}`;
    }
    context.mark(`${record.confirmedAfterMove.length} more messages confirmed with ${describeLeadership(record.afterMove)}; consumer has ${new Set(record.received).size}`);
  }

  /**
   * Asks the current leader to hand over to the late member, then watches for 5 s whether it leads before asking
   * again (a repeated request while an election runs would only unsettle it); at most 60 s in all (the returning
   * member may still be starting or catching up, and Ra refuses a transfer to it until then).
   * @returns Ra's first `ok` (or `already_leader`), else its last answer with why the move did not happen.
   */
  async #moveLeadership(context: DrillContext, record: LateQueueRecord): Promise<string> {
    const { cluster } = context;
    const deadline = Date.now() + RETURN_TIMEOUT_MS;
    let answer = 'not attempted';
    while (Date.now() < deadline) {
      answer = await transferLeadership(cluster, 0, LATE_QUEUE, record.lateMember);
      if (answer === 'ok' || answer === 'already_leader') {
        const leads = await waitFor(
          `${record.lateMember} leading ${LATE_QUEUE}`,
          async () => {
            const now = await quorumLeadership(cluster, 0, LATE_QUEUE);
            return 'leader' in now && now.leader === record.lateMember;
          },
          { timeoutMs: 5_000, intervalMs: 250, signal: context.signal },
        ).catch((error: unknown) => {
          if (context.signal.aborted) throw error;
          return false;
        });
        if (leads) return answer;
      }
      await sleep(1_000, context.signal);
    }
    return `${answer} (${record.lateMember} not leading within ${RETURN_TIMEOUT_MS / 1000} s)`;
  }
}

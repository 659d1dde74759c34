import type { ConfirmChannel } from 'amqplib';
import type { AmqpConnection } from '../broker/amqp-connection.js';
import { quorumLeadership } from '../broker/quorum-leadership.js';
import { publishConfirmed } from '../broker/workload.js';
import { errorMessage } from '../common/errors.js';
import { sleep } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Check, Verdict } from './check.js';

/**
 * What a fault that declared a quorum queue while a member was down did, and what its consumer has received so far
 * (the consumer keeps filling `received`): written by QueueDeclaredWhileMemberDownFault, read by this check.
 */
export interface LateQueueRecord {
  /** The quorum queue declared while the member was down. */
  queue: string;
  /** The node whose pod was down when the queue was declared. */
  lateMember: string;
  /** The queue's Raft members and leader right after the declaration (from pod 0), or why they could not be read. */
  atDeclaration: string;
  confirmedWhileDown: string[];
  /** What Ra answered when leadership was moved to the late member. */
  transfer: string;
  /** The leader seen after the move (from pod 0), or why there was none. */
  leaderAfterMove: string;
  confirmedAfterMove: string[];
  /** The consumer (attached through pod 0 before the move), in delivery order; a redelivery shows twice. */
  received: string[];
  /** Set when the broker cancelled the consumer (basic.cancel), with the elapsed time. */
  cancelledByBroker?: string;
  /** Where the consumer is attached, for a probe published later (the check's). */
  consumer?: { connection: AmqpConnection; channel: ConfirmChannel };
}

/** How long the consumer may take to receive what was confirmed (a leader election takes seconds). */
const DELIVERY_WAIT_MS = 15_000;

export interface LateMemberConsumerObservation {
  lateMember: string;
  /** The queue's leader and members now, as pod 0's member sees them (or why it could not say). */
  leadershipNow: string;
  leaderAfterMove: string;
  confirmed: number;
  /** Confirmed messages the attached consumer received (each counted once). */
  delivered: number;
  /** Confirmed messages it never received, the first few by id. */
  missing: string[];
  /** Deliveries of a message already received (acked at once, so each one is a redelivery). */
  redelivered: number;
  /** A probe published now through pod 0: did the consumer attached since before the move receive it? */
  probe: 'delivered' | 'not delivered' | string;
  cancelledByBroker?: string;
}

/**
 * Did the consumer attached to the late-declared quorum queue get every message once its late member led? The
 * confirmed messages of both phases of the fault (QueueDeclaredWhileMemberDownFault) must have reached the consumer, and a
 * probe published now must too (the consumer still works, not just worked). Redeliveries are reported, not failed
 * (quorum queues deliver at least once).
 */
export class LateMemberConsumerCheck implements Check<LateMemberConsumerObservation> {
  readonly name = 'late-member-consumer';

  /** @param source what the fault did in a drill (`record(runId)`), e.g. a QueueDeclaredWhileMemberDownFault. */
  constructor(private readonly source: { record(runId: string): LateQueueRecord | undefined }) {}

  async observe(context: DrillContext): Promise<LateMemberConsumerObservation> {
    const record = this.source.record(context.runId);
    if (record === undefined) throw new Error(`${this.name}: the fault never recorded what it did (drill ${context.runId})`);
    const confirmed = [...record.confirmedWhileDown, ...record.confirmedAfterMove];
    const missingNow = () => {
      const received = new Set(record.received);
      return confirmed.filter((id) => !received.has(id));
    };
    for (let waited = 0; missingNow().length > 0 && waited < DELIVERY_WAIT_MS; waited += 250) await sleep(250, context.signal);

    let probe = 'no consumer attached';
    if (record.consumer) {
      const id = `${context.runId}:${record.queue}:probe`;
      try {
        const published = await publishConfirmed(record.consumer.channel, record.consumer.connection, record.queue, [id], context.runId);
        if (published.length === 0) probe = 'probe publish not confirmed';
        else {
          for (let waited = 0; !record.received.includes(id) && waited < DELIVERY_WAIT_MS; waited += 250) await sleep(250, context.signal);
          probe = record.received.includes(id) ? 'delivered' : 'not delivered';
        }
      } catch (error) {
        probe = `probe publish failed: ${errorMessage(error)}`;
      }
    }
    const now = await quorumLeadership(context.cluster, 0, record.queue);
    const missing = missingNow();
    const ours = record.received.filter((id) => confirmed.includes(id));
    return {
      lateMember: record.lateMember,
      leadershipNow: 'error' in now ? now.error : `leader ${now.leader}, members ${now.members.join(', ')}`,
      leaderAfterMove: record.leaderAfterMove,
      confirmed: confirmed.length,
      delivered: new Set(ours).size,
      missing: missing.slice(0, 5),
      redelivered: ours.length - new Set(ours).size,
      probe,
      ...(record.cancelledByBroker === undefined ? {} : { cancelledByBroker: record.cancelledByBroker }),
    };
  }

  evaluate(observation: LateMemberConsumerObservation): Verdict {
    const problems: string[] = [];
    if (observation.delivered < observation.confirmed) problems.push(`the consumer received ${observation.delivered} of ${observation.confirmed} confirmed messages (missing e.g. ${observation.missing.join(', ')})`);
    if (observation.probe !== 'delivered') problems.push(`a message published now: ${observation.probe}`);
    if (observation.cancelledByBroker) problems.push(`the broker cancelled the consumer ${observation.cancelledByBroker}`);
    if (problems.length === 0) return { ok: true };
    return { ok: false, reason: `${problems.join('; ')} (late member ${observation.lateMember}; after the move: ${observation.leaderAfterMove}; now: ${observation.leadershipNow})` };
  }
}

import type { ConfirmChannel } from 'amqplib';
import type { AmqpConnection } from '../broker/amqp-connection.js';
import { quorumLeadership, type QuorumLeadership } from '../broker/quorum-leadership.js';
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
  /** The queue's Raft group right after the declaration (from pod 0), or why it could not be read. */
  atDeclaration: QuorumLeadership | { error: string };
  /** Messages published in each phase (while the member was down, then once it led). */
  published: number;
  /** Ids the broker confirmed while the member was down. */
  confirmedWhileDown: string[];
  /** What Ra answered when leadership was moved to the late member (the first `ok` is kept). */
  transfer: string;
  /** The queue's Raft group after the move (from pod 0), or why it could not be read. */
  afterMove: QuorumLeadership | { error: string };
  /** Ids the broker confirmed once the late member led. */
  confirmedAfterMove: string[];
  /** Why a phase's publishing failed, if it did. */
  publishError?: string;
  /** The consumer (attached through pod 0 before the move), in delivery order; a redelivery shows twice. */
  received: string[];
  /** Set when the broker cancelled the consumer (basic.cancel), with the elapsed time. */
  cancelledByBroker?: string;
  /** Where the consumer is attached, for a probe published later (the check's). */
  consumer?: { connection: AmqpConnection; channel: ConfirmChannel };
}

/** How long the consumer may take to receive what was confirmed (a leader election takes seconds). */
const DELIVERY_WAIT_MS = 15_000;

/** What `late-member-consumer` saw; every field is plain data for report.json. */
export interface LateMemberConsumerObservation {
  /** The node that was down when the queue was declared. */
  lateMember: string;
  /** Whether that node was one of the queue's members right after the declaration (false when unreadable). */
  lateMemberAtDeclaration: boolean;
  /** Whether it led the queue after the move (false when unreadable). */
  ledAfterMove: boolean;
  /** What Ra answered to the leadership transfer. */
  transfer: string;
  /** The queue's leader and members after the move, and now, as pod 0's member sees them (or why it could not say). */
  leadershipAfterMove: string;
  leadershipNow: string;
  /** Messages published over both phases, and those the broker confirmed. */
  published: number;
  confirmed: number;
  publishError?: string;
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
 * Did the member that was down when its quorum queue was declared take the lead, and did the consumer attached before
 * that get every message? Fails when the node was never made a member, when it did not lead after the move, when the
 * broker did not confirm every message published, when the consumer missed a confirmed message, when a probe published
 * at verify time does not reach it (it still works, not just worked) or when the broker cancelled it. Redeliveries are
 * reported, not failed (quorum queues deliver at least once).
 */
export class LateMemberConsumerCheck implements Check<LateMemberConsumerObservation> {
  readonly name = 'late-member-consumer';

  /** @param source what the fault did in a drill (`record(runId)`), e.g. a QueueDeclaredWhileMemberDownFault. */
  constructor(private readonly source: { record(runId: string): LateQueueRecord | undefined }) {}

  /**
   * Waits up to 15 s for the consumer to have every confirmed message, publishes a probe and waits up to 15 s for it,
   * then asks pod 0 who leads the queue.
   * @throws Error when the fault recorded nothing for this drill (a scenario wired wrong: an error, not a failed check).
   */
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
      lateMemberAtDeclaration: 'members' in record.atDeclaration && record.atDeclaration.members.includes(record.lateMember),
      ledAfterMove: 'leader' in record.afterMove && record.afterMove.leader === record.lateMember,
      transfer: record.transfer,
      leadershipAfterMove: describeLeadership(record.afterMove),
      leadershipNow: describeLeadership(now),
      published: 2 * record.published,
      confirmed: confirmed.length,
      ...(record.publishError === undefined ? {} : { publishError: record.publishError }),
      delivered: new Set(ours).size,
      missing: missing.slice(0, 5),
      redelivered: ours.length - new Set(ours).size,
      probe,
      ...(record.cancelledByBroker === undefined ? {} : { cancelledByBroker: record.cancelledByBroker }),
    };
  }

  evaluate(observation: LateMemberConsumerObservation): Verdict {
    const problems: string[] = [];
    if (!observation.lateMemberAtDeclaration) problems.push(`${observation.lateMember} was not a member of the queue declared while it was down`);
    if (!observation.ledAfterMove) problems.push(`${observation.lateMember} did not lead after the move (transfer: ${observation.transfer}; then ${observation.leadershipAfterMove})`);
    if (observation.confirmed < observation.published) problems.push(`the broker confirmed ${observation.confirmed} of ${observation.published} messages${observation.publishError ? ` (${observation.publishError})` : ''}`);
    if (observation.delivered < observation.confirmed) problems.push(`the consumer received ${observation.delivered} of ${observation.confirmed} confirmed messages (missing e.g. ${observation.missing.join(', ')})`);
    if (observation.probe !== 'delivered') problems.push(`a message published now: ${observation.probe}`);
    if (observation.cancelledByBroker) problems.push(`the broker cancelled the consumer ${observation.cancelledByBroker}`);
    if (problems.length === 0) return { ok: true };
    return { ok: false, reason: `${problems.join('; ')} (now: ${observation.leadershipNow})` };
  }
}

/** `leader rabbit-2@localhost, members rabbit-0@localhost, …`, or why the group could not be read. */
export function describeLeadership(leadership: QuorumLeadership | { error: string }): string {
  return 'error' in leadership ? leadership.error : `leader ${leadership.leader}, members ${leadership.members.join(', ')}`;
}

import { isAccessRefused } from '../broker/amqp-connection.js';
import type { PutGetResult } from '../core/journal.js';
import type { PodStatus } from '../core/platform.js';

/** Refusals in a row after which a node's answer counts as final (one refusal could race a boot). */
export const REFUSALS_IN_A_ROW = 3;

/**
 * Proof that waiting cannot help, from the client's side: a booted node that refuses the current Secret's
 * credentials (ACCESS_REFUSED) keeps refusing, because the user's password hash lives in the node's data and
 * nothing in the cluster changes it once the method is done. Put/get must work on every node, so one such node
 * settles it.
 */
export class RefusalTracker {
  readonly #inARow = new Map<string, number>();

  constructor(private readonly threshold = REFUSALS_IN_A_ROW) {}

  /** Feeds one probe round; returns why recovery is impossible once a node refused `threshold` rounds in a row. */
  observe(round: readonly PutGetResult[]): string | undefined {
    const refusedNow = new Set(round.filter((result) => !result.ok && isAccessRefused(result.error ?? '')).map((result) => result.node));
    for (const node of new Set(round.map((result) => result.node))) {
      this.#inARow.set(node, refusedNow.has(node) ? (this.#inARow.get(node) ?? 0) + 1 : 0);
    }
    const settled = [...this.#inARow].filter(([, count]) => count >= this.threshold).map(([node]) => node);
    if (settled.length === 0) return undefined;
    return `credentials refused: ${settled.join(', ')} answered ACCESS_REFUSED to the current Secret ${this.threshold} probes in a row; the password hash lives in the node's data and nothing in the cluster changes it`;
  }
}

/**
 * With a liveness probe that logs in, refused credentials are not a settled state: the kubelet restarts every pod
 * after 3 failed probes, again and again. Waiting is proven useless only once that loop has turned: every pod there
 * is has restarted since `baseline` (the pods when the method was applied) and refuses again. Without a probe, true.
 * @returns true when there is no probe, or every pod present restarted at least once since `baseline`.
 */
export function livenessLoopSeen(hasLivenessProbe: boolean, pods: readonly PodStatus[], baseline: readonly PodStatus[]): boolean {
  if (!hasLivenessProbe) return true;
  const present = pods.filter((pod) => pod.phase !== 'absent');
  return present.length > 0 && present.every((pod) => pod.restarts > (baseline.find((before) => before.ordinal === pod.ordinal)?.restarts ?? 0));
}

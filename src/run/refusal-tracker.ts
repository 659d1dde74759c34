import { isAccessRefused } from '../broker/amqp-connection.js';
import type { PutGetResult } from '../core/journal.js';

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
  /** Per node: its pod's restart count when its current run of refusals began. */
  readonly #restartsAtStreakStart = new Map<string, number>();

  constructor(private readonly threshold = REFUSALS_IN_A_ROW) {}

  /**
   * Feeds one probe round; returns why recovery is impossible once a node refused `threshold` rounds in a row.
   * @param restarts each node's pod restart count now (kubectl's RESTARTS), to tell a refusal after a restart.
   */
  observe(round: readonly PutGetResult[], restarts: ReadonlyMap<string, number> = new Map()): string | undefined {
    const refusedNow = new Set(round.filter((result) => !result.ok && isAccessRefused(result.error ?? '')).map((result) => result.node));
    for (const node of new Set(round.map((result) => result.node))) {
      const count = refusedNow.has(node) ? (this.#inARow.get(node) ?? 0) + 1 : 0;
      this.#inARow.set(node, count);
      if (count === 1) this.#restartsAtStreakStart.set(node, restarts.get(node) ?? 0);
      if (count === 0) this.#restartsAtStreakStart.delete(node);
    }
    const settled = this.settled();
    if (settled.length === 0) return undefined;
    return `credentials refused: ${settled.join(', ')} answered ACCESS_REFUSED to the current Secret ${this.threshold} probes in a row; the password hash lives in the node's data and nothing in the cluster changes it`;
  }

  /** The nodes that refused `threshold` rounds in a row, up to the last round. */
  settled(): string[] {
    return [...this.#inARow].filter(([, count]) => count >= this.threshold).map(([node]) => node);
  }

  /** The pod restart count of `node` when its current run of refusals began, or undefined when it is not refusing. */
  restartsAtStreakStart(node: string): number | undefined {
    return this.#restartsAtStreakStart.get(node);
  }
}

/**
 * With a liveness probe that logs in, refused credentials are not a settled state: the kubelet restarts each pod whose
 * login is refused after 3 failed probes, again and again. Waiting is proven useless only once that loop has turned for
 * the refusing nodes: each one's current run of refusals began after its pod restarted since the method was applied.
 * @param refusing per settled node: its pod's restart count when the method was applied and when its refusals began.
 * @returns true without a probe; with one, when there is a refusing node and every one refused anew after a restart.
 */
export function livenessLoopSeen(hasLivenessProbe: boolean, refusing: readonly { restartsBefore: number; restartsAtStreakStart: number | undefined }[]): boolean {
  if (!hasLivenessProbe) return true;
  return refusing.length > 0 && refusing.every((node) => node.restartsAtStreakStart !== undefined && node.restartsAtStreakStart > node.restartsBefore);
}

import type { Credentials } from '../common/secrets.js';
import { waitFor } from '../common/wait.js';
import { need } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/** Where the method learns the password RabbitMQ has now: the operator who changed it knows it. */
export type CurrentPassword = (runId: string, secret: Credentials) => Credentials | undefined;

/**
 * Password drift, fixed on the Secret's side: `helm upgrade` with the password RabbitMQ has now, then every pod
 * restarted onto the new Secret by hand, lowest ordinal first, each ready before the next. Not highest first, as a
 * rollout would: every pod is unready, and under OrderedReady the StatefulSet controller recreates a deleted pod only
 * once every pod below it is Running and Ready (Kubernetes, StatefulSet "Pod Management Policies"), so only pod 0 can
 * come back first. Each restarted pod logs in with the new Secret and turns ready; its peers keep running meanwhile,
 * so nothing waits for tables.
 */
export class UpdateSecretRecovery implements Recovery {
  readonly name = 'update-secret';
  readonly description = 'helm upgrade with the password RabbitMQ has now, then restart the pods onto the new Secret, lowest first, one at a time';
  readonly requires = ['release', 'statefulset'] as const;
  readonly wipesData = false;
  readonly #restarted = new Map<string, number[]>();

  constructor(private readonly currentPassword: CurrentPassword) {}

  mechanism(): string {
    return 'helm upgrade --set auth.password=<the password RabbitMQ has now>; kubectl delete pod for pod 0, 1, …, each only once the one before is ready on the new revision';
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(need(context.cluster, 'release'), 'statefulset');
    const updated = this.currentPassword(context.runId, cluster.credentials);
    if (updated === undefined) throw new Error('update-secret: the password RabbitMQ has now is unknown (the fault did not say)');
    context.mark('helm upgrade: the Secret gets the password RabbitMQ has now');
    await cluster.upgrade({ credentials: updated });
    const restarted: number[] = [];
    this.#restarted.set(context.runId, restarted);
    for (const node of cluster.nodes) {
      context.mark(`deleting pod ${node.ordinal} (it runs with the old Secret)`);
      await cluster.deletePod(node.ordinal);
      restarted.push(node.ordinal);
      await waitFor(
        `pod ${node.ordinal} ready on the new Secret`,
        async () => cluster.status().some((pod) => pod.ordinal === node.ordinal && pod.phase === 'ready' && pod.revision === cluster.revision()),
        { timeoutMs: Math.max(1_000, context.recoveryDeadline - Date.now()), intervalMs: 250, signal: context.signal },
      );
      context.mark(`pod ${node.ordinal} ready on the new Secret`);
    }
  }

  /** Proof the method acted: every pod runs the revision with the new Secret (as the platform reports it). */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const restarted = this.#restarted.get(context.runId) ?? [];
    this.#restarted.delete(context.runId);
    context.addEvidence(`pods restarted onto the new Secret, in order: ${restarted.join(', ') || 'none'}`);
    const behind = context.cluster.status().filter((pod) => pod.revision !== context.cluster.revision());
    return [
      behind.length === 0
        ? { name: 'pods-on-new-secret', ok: true }
        : { name: 'pods-on-new-secret', ok: false, reason: `pods ${behind.map((pod) => `${pod.ordinal} (revision ${pod.revision})`).join(', ')} not on revision ${context.cluster.revision()}` },
    ];
  }
}

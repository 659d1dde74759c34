import { generateCredentials } from '../common/secrets.js';
import { waitFor } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/** How the release is replaced: `helm delete` + `helm install`, or a `helm upgrade` rolled out pod by pod. */
export type Rollout = 'reinstall' | 'rolling';
export const ROLLOUTS: readonly Rollout[] = ['reinstall', 'rolling'];

/**
 * Field notes, "reinstall on old PVCs": the release is replaced without passing the old cookie and password,
 * so the chart generates a new Secret (both regenerated) while the volumes keep the old cluster's data.
 * - reinstall: `helm del` (volumes kept) then `helm install`. Helm 2's delete scaled the StatefulSet to 0, so
 *   the pods stop from the highest ordinal and pod-0 is the last (Helm 3 deletes them all at once: a race).
 * - rolling: `helm upgrade` without the old values; the StatefulSet replaces pods one by one from the highest
 *   ordinal, so a new-cookie pod tries to join old-cookie peers that are still running.
 */
export class MismatchedCookieFault implements Fault {
  readonly name: string;
  readonly description: string;
  readonly requires = ['release'] as const;

  constructor(readonly rollout: Rollout = 'reinstall') {
    this.name = rollout === 'reinstall' ? 'mismatched-cookie' : 'mismatched-cookie (rolling)';
    this.description =
      rollout === 'reinstall'
        ? 'helm delete (volumes kept) + helm install with a regenerated Secret: new Erlang cookie and new password'
        : 'helm upgrade without the old values: pods replaced one by one with a regenerated Secret while the others run with the old one';
  }

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'release');
    const regenerated = generateCredentials();
    if (this.rollout === 'reinstall') {
      // The field notes' `helm del --purge` (Helm 2) scaled the StatefulSet to 0 first: pod-0 stops last.
      context.mark('helm del: StatefulSet scaled to 0 (pod-0 stops last), volumes kept');
      await cluster.uninstall({ volumes: 'keep', termination: 'scale-down' });
      context.mark('helm install with a regenerated Secret (new cookie, new password)');
      await cluster.install({ credentials: regenerated });
      return irreversible;
    }
    const last = cluster.nodes.length - 1;
    context.mark('helm upgrade without the old values: regenerated Secret, rolling update');
    await cluster.upgrade({ credentials: regenerated });
    // The fault has struck once the first pod runs with the new Secret (the rollout replaces the highest first).
    await waitFor(
      `pod ${last} recreated with the new Secret`,
      async () => cluster.status().some((pod) => pod.ordinal === last && pod.revision === cluster.revision() && pod.phase !== 'absent'),
      { timeoutMs: 60_000, intervalMs: 100, signal: context.signal },
    );
    context.mark(`pod ${last} runs with the new Secret; pods ${cluster.nodes.slice(0, last).map((n) => n.ordinal).join(', ')} still run with the old one`);
    return irreversible;
  }
}

import { need, servingNodes } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/**
 * Undo a scale-down: `helm upgrade` (or `kubectl scale`) back to the cluster's full replica count. The removed pods
 * are recreated on the PVCs Kubernetes kept, their nodes are still members, so they rejoin with their data and
 * every quorum queue has its majority again.
 */
export class ScaleBackRecovery implements Recovery {
  readonly name = 'scale-back';
  readonly description = 'scale the StatefulSet back to its full replica count: the removed pods return on their kept volumes';
  readonly requires = ['statefulset'] as const;
  readonly wipesData = false;

  mechanism(): string {
    return 'helm upgrade with the original replicaCount (kubectl scale statefulset --replicas=N): the pods are recreated on their kept PVCs';
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(context.cluster, 'statefulset');
    const replicas = cluster.spec.nodes;
    context.mark(`StatefulSet scaled back to ${replicas}`);
    await cluster.scale(replicas);
  }

  /**
   * Proof the method acted, from the pods the platform reports (not from the count warren asked for): every pod of
   * the full replica count exists again, and the StatefulSet wants them all.
   */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const all = context.cluster.spec.nodes;
    const wanted = servingNodes(context.cluster).length;
    const missing = context.cluster.status().filter((pod) => pod.phase === 'absent').map((pod) => pod.ordinal);
    if (wanted === all && missing.length === 0) return [{ name: 'scaled-back', ok: true }];
    return [{ name: 'scaled-back', ok: false, reason: `the StatefulSet wants ${wanted} of ${all} pods${missing.length > 0 ? `; pods ${missing.join(', ')} do not exist` : ''}` }];
  }
}

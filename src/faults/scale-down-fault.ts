import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/**
 * A scale-down: `helm upgrade --set replicaCount=1` on a cluster of 3 (the chart renders it into the StatefulSet's
 * `spec.replicas`, as `kubectl scale` would). Kubernetes terminates the highest ordinals (one by one under
 * OrderedReady, at once under Parallel) and keeps their PVCs; RabbitMQ is told nothing, so the removed nodes stay
 * cluster members (rabbitmq.com/docs/clustering: only `forget_cluster_node` removes one) and every quorum queue with
 * members on them has lost its majority. The fault resolves once the removed pods are gone.
 */
export class ScaleDownFault implements Fault {
  readonly name = 'scale-down';
  readonly description: string;
  readonly requires = ['statefulset'] as const;

  /** @param replicas what the StatefulSet is scaled to (at least 1). @throws RangeError for less. */
  constructor(private readonly replicas = 1) {
    if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`a scale-down keeps at least 1 replica, got ${replicas}`);
    this.description = `helm upgrade with replicaCount ${replicas}: the highest pods are terminated, their nodes stay cluster members`;
  }

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'statefulset');
    const removed = cluster.nodes.filter((node) => node.ordinal >= this.replicas).map((node) => node.ordinal);
    context.mark(`helm upgrade --set replicaCount=${this.replicas}: StatefulSet scaled from ${cluster.nodes.length} to ${this.replicas} (${cluster.startPolicy()})`);
    await cluster.scale(this.replicas);
    context.mark(`pods ${removed.join(', ')} gone; their volumes are kept`);
    return irreversible;
  }
}

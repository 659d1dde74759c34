import { clusterStatus } from '../checks/cluster-membership-check.js';
import { need } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Recovery } from './recovery.js';

/**
 * RabbitMQ's partition runbook (rabbitmq.com/docs/partitions, "Recovering From a Network Partition"): trust one
 * partition and restart the nodes of the others. warren trusts the lowest pod that reports a partition and deletes
 * (`kubectl delete pod`) every other pod that reports one, one after another (a single pod reporting one is itself
 * restarted); the StatefulSet recreates each and the restarted node rejoins from the trusted side. A cluster where no
 * node reports a partition is left alone.
 */
export class RestartPartitionedPodsRecovery implements Recovery {
  readonly name = 'restart-partitioned-pods';
  readonly description = 'keep the lowest pod that reports a partition, delete every other pod that reports one (RabbitMQ\'s partition runbook)';
  readonly requires = ['statefulset'] as const;
  readonly wipesData = false;

  mechanism(): string {
    return '`rabbitmqctl cluster_status` on every pod; `kubectl delete pod` of each pod reporting a partition except the lowest (or of the only one), one after another';
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(context.cluster, 'statefulset');
    const views = await Promise.all(cluster.nodes.map((node) => clusterStatus(cluster, node.ordinal, node.nodeName)));
    const partitioned = cluster.nodes.filter((_, i) => views[i]!.partitions.length > 0).map((node) => node.ordinal);
    if (partitioned.length === 0) {
      context.mark('no pod reports a partition: nothing to restart');
      context.addEvidence('cluster_status: no pod reports a partition; no pod was deleted');
      return;
    }
    // One pod alone reporting a partition is the odd one out: restart it. Several: trust the lowest, restart the rest.
    const restart = partitioned.length === 1 ? partitioned : partitioned.slice(1);
    context.addEvidence(`cluster_status: pods ${partitioned.join(', ')} report a partition; deleting pods ${restart.join(', ')}`);
    for (const ordinal of restart) {
      context.mark(`deleting pod ${ordinal} (it reports a partition)`);
      await cluster.deletePod(ordinal);
    }
  }
}

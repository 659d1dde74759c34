import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/**
 * A fresh formation: the release is deleted with its volumes (`helm uninstall`, then the PVCs) and installed again
 * on empty ones with the same Secret, so every node boots with no cluster to remember and peer discovery alone decides
 * who joins whom. The pods are created under the StatefulSet's podManagementPolicy (`--start-policy`): under
 * Parallel all at once, the case where split formations were reported (issue 11 cites reports of 7 % split formations
 * on older versions, with the Kubernetes peer discovery backend); under OrderedReady one at a time. The local
 * platform discovers peers with `classic_config` (every peer listed), so it drills that backend, not Kubernetes'.
 *
 * The fault resolves once the install is issued: how the cluster forms is what the method and the checks watch.
 * Messages and the topology go with the volumes, so the scenario pairs it with a method that re-declares the topology.
 * Run it `--repeat N` to count splits.
 */
export class FreshFormationFault implements Fault {
  readonly name = 'fresh-formation';
  readonly description = 'helm uninstall, delete the PVCs, helm install on empty volumes: every node forms the cluster anew under the start policy';
  readonly requires = ['release'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'release');
    context.mark('helm uninstall and delete the volumes');
    await cluster.uninstall({ volumes: 'delete', termination: 'at-once' });
    context.mark(`helm install on empty volumes (${context.cluster.startPolicy()})`);
    await cluster.install({ credentials: cluster.credentials });
    return irreversible;
  }
}

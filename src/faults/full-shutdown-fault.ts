import { irreversible, type ActiveFault, type Fault } from './fault.js';
import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';

/**
 * A whole-cluster restart, as after a Kubernetes restart: every pod stops gracefully in ordinal order (each
 * fully down before the next, so node N-1 is the last to stop and the only one that may boot alone), then
 * the StatefulSet brings the pods back under its start policy. With OrderedReady that means pod-0 first.
 */
export class FullShutdownFault implements Fault {
  readonly name = 'full-shutdown';
  readonly description = 'graceful stop of nodes 0..N-1 in order, then the pods start again under the start policy';
  readonly requires = ['statefulset'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'statefulset');
    const order = cluster.nodes.map((node) => node.ordinal);
    for (const ordinal of order) {
      context.mark(`stopping pod ${ordinal}`);
      await cluster.shutdown({ mode: 'graceful', order: [ordinal] });
      context.mark(`pod ${ordinal} stopped`);
    }
    context.mark(`pods start again (${cluster.startPolicy()})`);
    cluster.startUp();
    return irreversible;
  }
}

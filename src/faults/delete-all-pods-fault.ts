import { irreversible, type ActiveFault, type Fault } from './fault.js';
import type { DrillContext } from '../run/drill-context.js';

/**
 * Every pod deleted at once with no grace (`kubectl delete pod --all --grace-period=0 --force`, a node crash):
 * kill -9, so no node sees the others stop and each believes its peers were still running. The StatefulSet
 * then brings the pods back under its start policy.
 */
export class DeleteAllPodsFault implements Fault {
  readonly name = 'delete-all-pods';
  readonly description = 'kill -9 every node at once, then the pods start again under the start policy';
  readonly requires = ['kill-all-pods'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const { cluster } = context;
    context.mark('killing every pod at once');
    await cluster.shutdown({ mode: 'kill' });
    context.mark(`pods start again (${cluster.startPolicy()})`);
    cluster.startUp();
    return irreversible;
  }
}

import { sleep } from '../common/wait.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';
import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';

/**
 * How long the cluster is left idle before the kill. Measured: kill -9 about 1 s after the drill declared its
 * queues, force-booted nodes came back without queues declared seconds before (NOT_FOUND) or hung at boot;
 * with 3 s of quiet both force-boot methods recover every message. Real outages strike settled clusters, so
 * the drill does too (losing very recent definitions on kill -9 is a separate finding).
 */
const SETTLE_MS = 3_000;

/**
 * Every pod deleted at once with no grace (`kubectl delete pod --all --grace-period=0 --force`, a node crash):
 * kill -9, so no node sees the others stop and each believes its peers were still running. The StatefulSet
 * then brings the pods back under its start policy.
 */
export class DeleteAllPodsFault implements Fault {
  readonly name = 'delete-all-pods';
  readonly description = 'kill -9 every node at once, then the pods start again under the start policy';
  readonly requires = ['statefulset'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'statefulset');
    await sleep(SETTLE_MS, context.signal);
    context.mark(`killing every pod at once (after ${SETTLE_MS / 1000} s of quiet)`);
    await cluster.shutdown({ mode: 'kill' });
    context.mark(`pods start again (${cluster.startPolicy()})`);
    cluster.startUp();
    return irreversible;
  }
}

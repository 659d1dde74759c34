import { need, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/**
 * Recreate the StatefulSet with podManagementPolicy Parallel (the field is immutable), keeping pods and
 * volumes: every missing pod starts at once, so the node that stopped last can boot and the others find it.
 * On Khepri it is what RabbitMQ documents: a Raft member needs a majority of its peers online to elect a leader
 * (rabbitmq.com/docs/metadata-store/failure-recovery), and only starting them together gives it one.
 */
export class ParallelRestartRecovery implements Recovery {
  readonly name = 'parallel-restart';
  readonly description = 'recreate the StatefulSet with podManagementPolicy Parallel so every pod starts at once';
  readonly requires = ['statefulset'] as const;
  readonly wipesData = false;

  mechanism(platform: PlatformName): string {
    return platform === 'local'
      ? 'the emulated StatefulSet controller switches to Parallel and creates every missing pod at once'
      : 'delete the StatefulSet with --cascade=orphan and create it again with podManagementPolicy: Parallel';
  }

  async apply(context: DrillContext): Promise<void> {
    await need(context.cluster, 'statefulset').setStartPolicy('Parallel');
    context.mark('StatefulSet recreated with podManagementPolicy Parallel');
    context.addEvidence('podManagementPolicy: Parallel; pods created at once: ' + context.cluster.status().filter((p) => p.phase !== 'absent').map((p) => p.ordinal).join(', '));
  }

  /** Proof the method acted: the StatefulSet runs under Parallel, as the platform reports it (not as asked). */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const policy = context.cluster.startPolicy();
    return [policy === 'Parallel' ? { name: 'start-policy-parallel', ok: true } : { name: 'start-policy-parallel', ok: false, reason: `the StatefulSet still has podManagementPolicy ${policy}` }];
  }
}

import type { PlatformName } from '../platforms/platform.js';
import type { DrillContext } from '../run/drill-context.js';
import type { CheckRecord } from '../run/journal.js';
import { FORCE_LOAD_FILE, forceBootNotApplicable, forceLoadConsumed } from './force-load.js';
import type { RabbitMqInfo, Recovery } from './recovery.js';

/**
 * `rabbitmqctl force_boot` before the server starts, in every pod, then delete the pods that are stuck so
 * they restart with it. This is the mechanism behind both the chart's forceBoot (RABBITMQ_FORCE_BOOT=yes makes
 * the entrypoint run it) and the StatefulSet command edit. Once every pod is back the line is removed again.
 */
export class ForceBootRecovery implements Recovery {
  readonly requires = ['force-boot-on-start'] as const;
  readonly wipesData = false;

  constructor(
    readonly name = 'force-boot',
    readonly description = 'rabbitmqctl force_boot before the server starts, then delete the stuck pods',
  ) {}

  mechanism(platform: PlatformName): string {
    if (platform === 'local') {
      return 'pod template runs `rabbitmqctl force_boot` on the stopped node before `rabbitmq-server` (what the chart\'s forceBoot and the StatefulSet command edit both do); the stuck pods are deleted so they restart with it';
    }
    return 'StatefulSet pod command gets `rabbitmqctl force_boot` before `exec rabbitmq-server`; the stuck pods are deleted';
  }

  notApplicable(rabbitmq: RabbitMqInfo): string | undefined {
    return forceBootNotApplicable(rabbitmq);
  }

  async apply(context: DrillContext): Promise<void> {
    const { cluster } = context;
    cluster.setForceBootOnStart(true);
    context.mark('pod template: force_boot added');
    const stuck = cluster.status().filter((pod) => pod.phase !== 'absent' && pod.phase !== 'ready');
    for (const pod of stuck) {
      context.mark(`deleting pod ${pod.ordinal}`);
      await cluster.deletePod(pod.ordinal);
    }
  }

  async complete(context: DrillContext): Promise<CheckRecord[]> {
    const { cluster } = context;
    cluster.setForceBootOnStart(false);
    context.mark('pod template: force_boot removed');
    const runs = cluster.forceBootRuns();
    for (const run of runs) context.addEvidence(`pod ${run.ordinal}: rabbitmqctl force_boot → exit ${run.exitCode}${run.output ? `: ${run.output}` : ''}`);
    const ran: CheckRecord =
      runs.length > 0 && runs.every((run) => run.exitCode === 0)
        ? { name: 'force-boot-ran', ok: true }
        : { name: 'force-boot-ran', ok: false, reason: runs.length === 0 ? 'no pod ran rabbitmqctl force_boot' : 'rabbitmqctl force_boot failed', observation: runs };
    const ordinals = [...new Set(runs.map((run) => run.ordinal))];
    return [ran, await forceLoadConsumed(context, ordinals, FORCE_LOAD_FILE)];
  }
}

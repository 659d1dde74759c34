import { need, type ForceBootVia, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { ForceBootRun } from '../core/platform.js';
import { FORCE_LOAD_FILE, forceLoadConsumed } from './force-load.js';
import type { Recovery } from './recovery.js';

export interface ForceBootRunbook {
  name: string;
  description: string;
  via: ForceBootVia;
  /** Which pods the operator deletes so they restart with force_boot. */
  deletes: 'stuck' | 'every';
  /** Whether the runbook takes force_boot out again once every pod is back (another rolling restart). */
  removeAfterwards: boolean;
}

/**
 * `rabbitmqctl force_boot` before the server starts: on a stopped Mnesia node it writes `force_load`, so the
 * next boot loads the tables without waiting for peers. The chart's forceBoot and the StatefulSet command
 * edit both end in this one call; what differs is the runbook around it (how it gets into the pod, which pods
 * are deleted, whether it is taken out again).
 */
export class ForceBootRecovery implements Recovery {
  // The evidence reads the force_load file force_boot writes: volume files.
  readonly requires = ['release', 'statefulset', 'volume-files'] as const;
  readonly wipesData = false;
  /** Per drill (run id): whether the pods really ran force_boot, read back once put/get works (before any closing step). */
  readonly #rendered = new Map<string, boolean>();

  constructor(private readonly runbook: ForceBootRunbook) {
  }

  get name(): string {
    return this.runbook.name;
  }

  get description(): string {
    return this.runbook.description;
  }

  mechanism(platform: PlatformName): string {
    const { via, deletes, removeAfterwards } = this.runbook;
    const steps = `${deletes === 'stuck' ? 'delete the pods that are stuck starting' : 'delete every pod once'}${removeAfterwards ? '; once all are back, take force_boot out again (a rolling restart)' : '; force boot stays enabled'}`;
    if (platform === 'local') {
      return `on local there is no chart: chart-force-boot and statefulset-force-boot share one mechanism, the pod template running \`rabbitmqctl force_boot\` before \`rabbitmq-server\`; only the runbook differs. This one: ${steps}`;
    }
    const how = via === 'chart-values' ? 'helm upgrade --set clustering.forceBoot=true (the chart renders RABBITMQ_FORCE_BOOT=yes)' : 'kubectl edit statefulset: `rabbitmqctl force_boot` before `exec rabbitmq-server`';
    return `${how}; ${steps}`;
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(need(context.cluster, 'release'), 'statefulset');
    const { via, deletes } = this.runbook;
    await cluster.upgrade({ forceBoot: { enabled: true, via } });
    context.mark(`force boot on (${via})`);
    const targets = cluster.status().filter((pod) => pod.phase !== 'absent' && (deletes === 'every' || pod.phase !== 'ready'));
    for (const pod of targets) {
      context.mark(`deleting pod ${pod.ordinal}`);
      await cluster.deletePod(pod.ordinal);
    }
  }

  async finish(context: DrillContext): Promise<void> {
    // Read before the runbook takes force boot out again: what the recovered pods really ran.
    await this.#readRendered(context);
    if (!this.runbook.removeAfterwards) {
      context.addEvidence(`${this.runbook.via}: force boot left enabled, as the runbook leaves it: every later pod start runs force_boot`);
      return;
    }
    await need(context.cluster, 'release').upgrade({ forceBoot: { enabled: false, via: this.runbook.via } });
    context.mark('force boot taken out again: rolling restart');
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const runs = await need(context.cluster, 'release').forceBootRuns();
    for (const run of runs) context.addEvidence(`pod ${run.ordinal}: rabbitmqctl force_boot → exit ${run.exitCode}${run.output ? `: ${run.output}` : ''}`);
    const ran = forceBootRan(runs);
    // Only where force_boot wrote the file can "consumed" mean anything: absent because never written is not consumed.
    const ordinals = [...new Set(runs.filter((run) => run.forceLoadWritten !== false).map((run) => run.ordinal))];
    if (!this.#rendered.has(context.runId)) await this.#readRendered(context);
    const rendered = this.#rendered.get(context.runId);
    this.#rendered.delete(context.runId);
    const renderedCheck: CheckRecord = rendered
      ? { name: 'force-boot-rendered', ok: true }
      : { name: 'force-boot-rendered', ok: false, reason: `the pods do not run force_boot (${this.runbook.via}): the value was ignored or never reached them` };
    return [renderedCheck, ran, await forceLoadConsumed(context, ordinals, FORCE_LOAD_FILE)];
  }

  /**
   * Helm's exit code says nothing about whether the chart rendered the value (an old key is silently ignored), and
   * a template says nothing about what a pod started from: read what the platform says the pods run (local: each
   * pod's process command line and environment; kind: the StatefulSet as the API server has it).
   */
  async #readRendered(context: DrillContext): Promise<void> {
    const applied = await need(context.cluster, 'release').appliedForceBoot();
    this.#rendered.set(context.runId, this.runbook.via === 'chart-values' ? applied.chartValue : applied.command);
  }
}

/**
 * Proof that force_boot acted: at least one pod ran it, every run exited 0 and wrote its force_load file. A run that
 * exited 0 and left no force_load changed nothing (Khepri: measured on 4.x, `rabbitmqctl force_boot` prints nothing
 * and exits 0): it fails the check, so a cluster that came back anyway is never credited to force boot.
 */
export function forceBootRan(runs: readonly ForceBootRun[]): CheckRecord {
  if (runs.length === 0) return { name: 'force-boot-ran', ok: false, reason: 'no pod ran rabbitmqctl force_boot' };
  const failed = runs.filter((run) => run.exitCode !== 0);
  if (failed.length > 0) return { name: 'force-boot-ran', ok: false, reason: `rabbitmqctl force_boot failed on pod(s) ${failed.map((run) => `${run.ordinal} (exit ${run.exitCode})`).join(', ')}`, observation: runs };
  const noOps = runs.filter((run) => run.forceLoadWritten === false);
  if (noOps.length > 0) {
    return {
      name: 'force-boot-ran',
      ok: false,
      reason: `rabbitmqctl force_boot exited 0 but wrote no force_load file on pod(s) ${[...new Set(noOps.map((run) => run.ordinal))].join(', ')}: a no-op (Khepri has no force_load)`,
      observation: runs,
    };
  }
  return { name: 'force-boot-ran', ok: true };
}

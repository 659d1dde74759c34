import { waitFor } from '../common/wait.js';
import { need, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import { FORCE_LOAD_FILE, forceLoadConsumed } from './force-load.js';
import type { Recovery } from './recovery.js';

const WAITING = /Waiting for Mnesia tables for \d+ ms/g;

export interface ForceLoadFileOptions {
  /** Where the file goes, relative to the node's mnesia dir. Only a negative-control test changes this. */
  relativePath?: string;
  /** How long to wait for the pod to be seen waiting for its peers. */
  waitTimeoutMs?: number;
}

/**
 * helm/charts#13485: while the pod waits for its peers, touch `force_load` in its mnesia dir, then delete the
 * pod; on the next boot RabbitMQ force-loads its tables and deletes the file (which proves it was read).
 */
export class ForceLoadFileRecovery implements Recovery {
  readonly name = 'force-load-file';
  readonly description = 'touch force_load in the waiting node\'s mnesia dir, then delete the pod';
  readonly requires = ['statefulset', 'volume-files'] as const;
  readonly wipesData = false;
  readonly #relativePath: string;
  readonly #waitTimeoutMs: number;
  /** Per drill (keyed by run id): the pods that got the file. */
  readonly #written = new Map<string, number[]>();

  constructor(options: ForceLoadFileOptions = {}) {
    this.#relativePath = options.relativePath ?? FORCE_LOAD_FILE;
    this.#waitTimeoutMs = options.waitTimeoutMs ?? 60_000;
  }

  mechanism(platform: PlatformName): string {
    // kind: the node's RABBITMQ_MNESIA_DIR, under the manifests' data mount or the Bitnami chart's persistence.mountPath.
    const where = platform === 'local'
      ? '<volume>/rabbit-N@localhost/'
      : 'the data directory (/var/lib/rabbitmq/mnesia/, or /opt/bitnami/rabbitmq/.rabbitmq/mnesia/ with the Bitnami chart) rabbit@<pod>.<svc>.<ns>.svc.cluster.local/';
    return `write an empty ${this.#relativePath} into ${where} of each pod seen waiting for Mnesia tables, then delete the pod`;
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(need(context.cluster, 'statefulset'), 'volume-files');
    const waitingBefore = await Promise.all(cluster.nodes.map(async (node) => countMatches(await cluster.readLog(node.ordinal))));
    const failuresBefore = cluster.status().map((pod) => pod.bootFailures);
    const written: number[] = [];
    this.#written.set(context.runId, written);
    // The file only matters to a node that is stuck waiting: find the pods that are, from their logs. If every
    // pod there is has booted instead (it stopped last, and may refuse logins for other reasons), nothing waits.
    const waiting = await waitFor(
      'a pod waiting for Mnesia tables',
      async () => {
        const found: number[] = [];
        const created = cluster.status().filter((pod) => pod.phase !== 'absent');
        for (const pod of created) {
          if (pod.phase === 'ready' || pod.booted) continue;
          if (countMatches(await cluster.readLog(pod.ordinal)) > waitingBefore[pod.ordinal]!) found.push(pod.ordinal);
        }
        if (found.length === 0 && created.length > 0 && created.every((pod) => pod.booted)) return 'none';
        // A boot that failed without a table wait (Khepri has no Mnesia tables: measured on 4.x, the node fails
        // with timeout_waiting_for_leader instead) will not show one on the next try either.
        if (found.length === 0 && created.some((pod) => pod.bootFailures > (failuresBefore[pod.ordinal] ?? 0))) return 'failed-without-waiting';
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: this.#waitTimeoutMs, intervalMs: 250, signal: context.signal },
    );
    if (waiting === 'none') {
      context.mark('no pod waits for Mnesia tables: every pod has booted, there is nowhere to write force_load');
      return;
    }
    if (waiting === 'failed-without-waiting') {
      context.mark('a pod failed to boot without ever waiting for Mnesia tables: the runbook\'s moment to write force_load never comes');
      context.addEvidence('no pod was seen waiting for Mnesia tables before a boot failure: force_load written nowhere');
      return;
    }
    for (const ordinal of waiting) {
      await cluster.writeDataFile(ordinal, this.#relativePath, '');
      written.push(ordinal);
      context.mark(`pod ${ordinal} waits for tables: wrote ${this.#relativePath}`);
      context.addEvidence(`wrote ${cluster.dataDir(ordinal)}/${this.#relativePath} while pod ${ordinal} waited for Mnesia tables`);
      context.mark(`deleting pod ${ordinal}`);
      await cluster.deletePod(ordinal);
    }
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const written = this.#written.get(context.runId) ?? [];
    this.#written.delete(context.runId);
    return [await forceLoadConsumed(context, written, this.#relativePath)];
  }
}

function countMatches(log: string): number {
  return log.match(WAITING)?.length ?? 0;
}

import { exportDefinitions, withoutUsers, type Definitions } from '../broker/definitions.js';
import { waitFor } from '../common/wait.js';
import { need, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import { growQuorumQueues, importEvidence, importUntilComplete, type ImportRecord } from './definitions-import.js';
import type { Recovery } from './recovery.js';

export interface DefinitionsReimportOptions {
  /**
   * When the import runs: as soon as the first pod of the fresh install is ready (what an operator does), or
   * with a majority of the new cluster's nodes down (a negative control that forces `cluster_not_formed`).
   */
  importWhile?: 'first-pod-ready' | 'majority-down';
  firstRetryMs?: number;
  maxRetryMs?: number;
}

interface DrillState extends ImportRecord {
  backup?: Definitions;
}

/**
 * Field notes, method 4: export definitions while healthy; helm delete; delete the PVCs; install a clean
 * cluster; import. Quorum queues cannot be declared until a majority of their members can start: the import
 * then skips them (and still exits 0) or fails with `cluster_not_formed`, so it is repeated with back-off until
 * every exported queue exists. A boot-time import creates 1-member quorum queues without a word: they are grown
 * to every node. Messages are not in definitions: all of them are lost, by design.
 */
export class DefinitionsReimportRecovery implements Recovery {
  readonly name = 'definitions-reimport';
  readonly description = 'export definitions while healthy; delete the release and its volumes; install fresh; import until every queue exists; grow quorum queues';
  readonly requires = ['release', 'statefulset', 'volume-files'] as const;
  readonly wipesData = true;
  readonly #options: Required<DefinitionsReimportOptions>;
  readonly #drills = new Map<string, DrillState>();

  constructor(options: DefinitionsReimportOptions = {}) {
    this.#options = { importWhile: 'first-pod-ready', firstRetryMs: 1_000, maxRetryMs: 8_000, ...options };
  }

  mechanism(platform: PlatformName): string {
    const where = platform === 'local' ? 'the emulated release (volumes = data directories)' : 'the Helm release and its PVCs';
    return `rabbitmqctl export_definitions before the fault; delete ${where}; install fresh with the current Secret; rabbitmqctl import_definitions (without the Secret's own user) as soon as ${this.#options.importWhile === 'first-pod-ready' ? 'the first pod is ready' : 'a majority of nodes is down'}, retried with back-off until every queue exists; rabbitmq-queues grow for quorum queues short of members`;
  }

  async prepare(context: DrillContext): Promise<void> {
    const backup = await exportDefinitions(context.cluster, 0);
    this.#drills.set(context.runId, { backup, attempts: [], grown: [] });
    context.addEvidence(`definitions exported while healthy: ${backup.queues?.length ?? 0} queues, ${backup.users?.length ?? 0} users, ${backup.vhosts?.length ?? 0} vhosts`);
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(need(context.cluster, 'release'), 'statefulset');
    const state = this.#drills.get(context.runId);
    if (!state?.backup) throw new Error('definitions-reimport: no definitions were exported before the fault');
    const wait = { intervalMs: 250, signal: context.signal, timeoutMs: Math.max(1_000, context.recoveryDeadline - Date.now()) };

    context.mark('helm delete and delete the volumes');
    // The volumes go too, so how the pods stop does not matter: at once is fastest.
    await cluster.uninstall({ volumes: 'delete', termination: 'at-once' });
    context.mark('helm install on fresh volumes');
    await cluster.install({ credentials: cluster.credentials });
    await waitFor('pod 0 ready after the fresh install', async () => cluster.status()[0]?.phase === 'ready', wait);
    context.mark('pod 0 ready');

    let afterFirstAttempt: (() => Promise<void>) | undefined;
    if (this.#options.importWhile === 'majority-down') {
      // The new cluster forms, then every pod but pod-0 is taken down (still members): the first import runs
      // against a cluster whose majority is down, and the pods only come back after it.
      await waitFor('every pod ready', async () => cluster.status().every((pod) => pod.phase === 'ready'), { ...wait, timeoutMs: remaining(context) });
      context.mark(`StatefulSet scaled to 1: pods ${cluster.nodes.slice(1).map((node) => node.ordinal).join(', ')} down during the import`);
      await cluster.scale(1);
      afterFirstAttempt = async () => {
        context.mark(`StatefulSet scaled back to ${cluster.nodes.length}`);
        await cluster.scale(cluster.nodes.length);
      };
    }

    const owned = [cluster.credentials.username];
    context.addEvidence(`import leaves out user ${owned.join(', ')}: the current Secret owns it (the exported password hash would undo it)`);
    await importUntilComplete(context, state, withoutUsers(state.backup, owned), this.#options, afterFirstAttempt);
    await growQuorumQueues(context, state);
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const state = this.#drills.get(context.runId);
    this.#drills.delete(context.runId);
    return [importEvidence(context, state)];
  }
}

function remaining(context: DrillContext): number {
  return Math.max(1_000, context.recoveryDeadline - Date.now());
}

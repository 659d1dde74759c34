import { exportDefinitions, importDefinitions, listQueues, withoutUsers, type Definitions } from '../broker/definitions.js';
import { LOG_SIGNATURES } from '../checks/log-signatures.js';
import { errorMessage } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { sleep, waitFor } from '../common/wait.js';
import { need, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
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

export interface ImportAttempt {
  attempt: number;
  exitCode: number;
  missingQueues: string[];
  /** Why queues were missing: the broker's own words where it gave them (cluster_not_formed). */
  reason?: string;
}

interface DrillState {
  backup?: Definitions;
  attempts: ImportAttempt[];
  grown: string[];
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
    await this.#importUntilComplete(context, state, withoutUsers(state.backup, owned), afterFirstAttempt);
    await this.#growQuorumQueues(context, state);
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const state = this.#drills.get(context.runId);
    this.#drills.delete(context.runId);
    const attempts = state?.attempts ?? [];
    const last = attempts.at(-1);
    const retried = attempts.filter((attempt) => attempt.missingQueues.length > 0 || attempt.exitCode !== 0);
    for (const attempt of attempts) {
      context.addEvidence(`import attempt ${attempt.attempt}: exit ${attempt.exitCode}, ${attempt.missingQueues.length} queue(s) missing${attempt.reason ? ` (${attempt.reason})` : ''}`);
    }
    for (const line of state?.grown ?? []) context.addEvidence(line);
    const complete = last !== undefined && last.exitCode === 0 && last.missingQueues.length === 0;
    return [
      complete
        ? { name: 'definitions-imported', ok: true, observation: { attempts: attempts.length, retried: retried.length }, ...(retried.length > 0 ? { reason: `complete after ${retried.length} retr${retried.length === 1 ? 'y' : 'ies'}` } : {}) }
        : { name: 'definitions-imported', ok: false, reason: importFailure(attempts), observation: attempts },
    ];
  }

  async #importUntilComplete(context: DrillContext, state: DrillState, definitions: Definitions, afterFirstAttempt?: () => Promise<void>): Promise<void> {
    const cluster = need(context.cluster, 'volume-files');
    const expected = (definitions.queues ?? []).map((queue) => queue.name);
    let delayMs = this.#options.firstRetryMs;
    for (let attempt = 1; ; attempt++) {
      const logBefore = countNotFormed(await cluster.readLog(0));
      let exitCode = -1;
      let output = '';
      let missingQueues = expected;
      try {
        ({ exitCode, output } = await importDefinitions(cluster, 0, definitions));
        const present = new Set((await listQueues(cluster, 0)).map((row) => row.name));
        missingQueues = expected.filter((name) => !present.has(name));
      } catch (error) {
        output = errorMessage(error);
      }
      const logged = countNotFormed(await cluster.readLog(0)) > logBefore;
      const reason = countNotFormed(output) > 0 || logged ? 'cluster_not_formed' : exitCode !== 0 ? firstLine(output.replace(/^Importing definitions[^\n]*\n?/, '')) || firstLine(output) : missingQueues.length > 0 ? 'skipped without an error' : undefined;
      state.attempts.push({ attempt, exitCode, missingQueues, ...(reason ? { reason } : {}) });
      if (attempt === 1) await afterFirstAttempt?.();
      if (exitCode === 0 && missingQueues.length === 0) {
        context.mark(`definitions imported (attempt ${attempt}): ${expected.length} queues`);
        return;
      }
      if (reason !== 'cluster_not_formed' && reason !== 'skipped without an error') {
        // Not the cluster forming: a bad file or a broken node. Repeating the same import cannot help.
        context.mark(`import failed (attempt ${attempt}): ${reason}`);
        return;
      }
      if (Date.now() + delayMs > context.recoveryDeadline) {
        context.mark(`import gave up after ${attempt} attempts: ${missingQueues.length} queues missing`);
        return;
      }
      context.mark(`import attempt ${attempt}: exit ${exitCode}, ${missingQueues.length} queue(s) missing (${reason}); retry in ${delayMs / 1000} s`);
      await sleep(delayMs, context.signal);
      delayMs = Math.min(delayMs * 2, this.#options.maxRetryMs);
    }
  }

  /** Once every pod has joined: add the missing members (`rabbitmq-queues grow <node> all`). */
  async #growQuorumQueues(context: DrillContext, state: DrillState): Promise<void> {
    const { cluster } = context;
    await waitFor('every pod ready to grow quorum queues', async () => cluster.status().every((pod) => pod.phase === 'ready'), {
      timeoutMs: remaining(context),
      intervalMs: 250,
      signal: context.signal,
    }).catch(() => undefined);
    const rows = (await listQueues(cluster, 0)).filter((row) => row.type === 'quorum');
    const short = rows.filter((row) => row.members.length < cluster.nodes.length);
    if (short.length === 0) return;
    state.grown.push(`quorum queues short of members after the import: ${short.map((row) => `${row.name} (${row.members.length}/${cluster.nodes.length})`).join(', ')}`);
    for (const node of cluster.nodes) {
      if (!short.some((row) => !row.members.includes(node.nodeName))) continue;
      const result = await cluster.exec(0, 'rabbitmq-queues', ['grow', node.nodeName, 'all'], { timeoutMs: 60_000 });
      state.grown.push(`rabbitmq-queues grow ${node.nodeName} all → exit ${result.exitCode}`);
    }
    context.mark(`grew ${short.length} quorum queue(s) to ${cluster.nodes.length} members`);
  }
}

function remaining(context: DrillContext): number {
  return Math.max(1_000, context.recoveryDeadline - Date.now());
}

/** The broker's words for it, as the `cluster-not-formed` diagnosis knows them (client error and server log). */
const NOT_FORMED = new RegExp(LOG_SIGNATURES.find((signature) => signature.name === 'cluster-not-formed')!.pattern.source, 'g');

function countNotFormed(log: string): number {
  return log.match(NOT_FORMED)?.length ?? 0;
}

/** Why the import did not complete, from its last attempt: the exit and the broker's words, or what is missing. */
function importFailure(attempts: ImportAttempt[]): string {
  const last = attempts.at(-1);
  if (!last) return 'the import never ran';
  const tries = `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`;
  if (last.exitCode !== 0) return `import exited ${last.exitCode} on attempt ${last.attempt} of ${tries}: ${last.reason ?? 'no reason given'}`;
  return `queue${last.missingQueues.length === 1 ? '' : 's'} still missing after ${tries}: ${last.missingQueues.join(', ')}`;
}

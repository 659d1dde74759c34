import { exportDefinitions, withoutUsers, type Definitions } from '../broker/definitions.js';
import { waitFor } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import { growQuorumQueues, importEvidence, importUntilComplete, type ImportRecord } from './definitions-import.js';
import type { Recovery } from './recovery.js';

interface DrillState extends ImportRecord {
  backup: Definitions;
}

/**
 * For a fault that leaves a fresh, empty cluster behind (a reinstall on new volumes): the app's deploy re-declares
 * its topology. The definitions exported while healthy are imported on pod 0 once it is ready, repeated until every
 * queue exists (see {@link importUntilComplete}), then quorum queues are grown to every pod. Nothing is deleted or
 * restarted: whether the fresh cluster formed as one is left to the checks. Messages are the fault's to lose.
 */
export class DefinitionsImportRecovery implements Recovery {
  readonly name = 'definitions-import';
  readonly description = "import the definitions exported while healthy into the fresh cluster (the app re-declares its topology); grow quorum queues";
  readonly requires = ['volume-files'] as const;
  readonly wipesData = false;
  readonly #drills = new Map<string, DrillState>();

  mechanism(): string {
    return 'rabbitmqctl export_definitions before the fault; rabbitmqctl import_definitions (without the Secret\'s own user) on pod 0 once it is ready, retried with back-off until every queue exists; rabbitmq-queues grow for quorum queues short of members';
  }

  async prepare(context: DrillContext): Promise<void> {
    const backup = await exportDefinitions(context.cluster, 0);
    this.#drills.set(context.runId, { backup, attempts: [], grown: [] });
    context.addEvidence(`definitions exported while healthy: ${backup.queues?.length ?? 0} queues, ${backup.users?.length ?? 0} users, ${backup.vhosts?.length ?? 0} vhosts`);
  }

  async apply(context: DrillContext): Promise<void> {
    const { cluster } = context;
    const state = this.#drills.get(context.runId);
    if (!state) throw new Error('definitions-import: no definitions were exported before the fault');
    await waitFor('pod 0 ready', async () => cluster.status()[0]?.phase === 'ready', {
      intervalMs: 250,
      signal: context.signal,
      timeoutMs: Math.max(1_000, context.recoveryDeadline - Date.now()),
    });
    context.mark('pod 0 ready');
    const owned = [cluster.credentials.username];
    context.addEvidence(`import leaves out user ${owned.join(', ')}: the current Secret owns it (the exported password hash would undo it)`);
    await importUntilComplete(context, state, withoutUsers(state.backup, owned), { firstRetryMs: 1_000, maxRetryMs: 8_000 });
    await growQuorumQueues(context, state);
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const state = this.#drills.get(context.runId);
    this.#drills.delete(context.runId);
    return [importEvidence(context, state)];
  }
}

import { importDefinitions, listQueues, type Definitions } from '../broker/definitions.js';
import { LOG_SIGNATURES } from '../checks/log-signatures.js';
import { errorMessage } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { sleep, waitFor } from '../common/wait.js';
import { need } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';

/** One `rabbitmqctl import_definitions` and what it left missing. */
export interface ImportAttempt {
  attempt: number;
  exitCode: number;
  missingQueues: string[];
  /** Why queues were missing: the broker's own words where it gave them (cluster_not_formed). */
  reason?: string;
}

/** What an import into a fresh cluster did, for the method's evidence. */
export interface ImportRecord {
  attempts: ImportAttempt[];
  /** `rabbitmq-queues grow` lines. */
  grown: string[];
}

export interface ImportRetry {
  firstRetryMs: number;
  maxRetryMs: number;
}

/**
 * Imports on pod 0 until every exported queue exists, within the recovery deadline. Quorum queues cannot be
 * declared until a majority of their members can start: the import then skips them (and still exits 0) or fails
 * with `cluster_not_formed` (measured on 3.10.8 and 4.0.5), so it is repeated with doubling back-off from
 * `retry.firstRetryMs` up to `retry.maxRetryMs`. Any other failure (a bad file, a broken node) is not retried.
 * @param afterFirstAttempt runs once, right after the first attempt (a negative control's scale-back).
 */
export async function importUntilComplete(
  context: DrillContext,
  record: ImportRecord,
  definitions: Definitions,
  retry: ImportRetry,
  afterFirstAttempt?: () => Promise<void>,
): Promise<void> {
  const cluster = need(context.cluster, 'volume-files');
  const expected = (definitions.queues ?? []).map((queue) => queue.name);
  let delayMs = retry.firstRetryMs;
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
    record.attempts.push({ attempt, exitCode, missingQueues, ...(reason ? { reason } : {}) });
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
    delayMs = Math.min(delayMs * 2, retry.maxRetryMs);
  }
}

/**
 * Once every pod is ready (or the deadline passed): adds the members quorum queues lack (`rabbitmq-queues grow
 * <node> all` on pod 0). A boot-time import creates 1-member quorum queues without a word (3.10.8).
 */
export async function growQuorumQueues(context: DrillContext, record: ImportRecord): Promise<void> {
  const { cluster } = context;
  await waitFor('every pod ready to grow quorum queues', async () => cluster.status().every((pod) => pod.phase === 'ready'), {
    timeoutMs: Math.max(1_000, context.recoveryDeadline - Date.now()),
    intervalMs: 250,
    signal: context.signal,
  }).catch(() => undefined);
  const rows = (await listQueues(cluster, 0)).filter((row) => row.type === 'quorum');
  const short = rows.filter((row) => row.members.length < cluster.nodes.length);
  if (short.length === 0) return;
  record.grown.push(`quorum queues short of members after the import: ${short.map((row) => `${row.name} (${row.members.length}/${cluster.nodes.length})`).join(', ')}`);
  for (const node of cluster.nodes) {
    if (!short.some((row) => !row.members.includes(node.nodeName))) continue;
    const result = await cluster.exec(0, 'rabbitmq-queues', ['grow', node.nodeName, 'all'], { timeoutMs: 60_000 });
    record.grown.push(`rabbitmq-queues grow ${node.nodeName} all → exit ${result.exitCode}`);
  }
  context.mark(`grew ${short.length} quorum queue(s) to ${cluster.nodes.length} members`);
}

/**
 * The evidence check `definitions-imported`: ok when the last attempt exited 0 with every queue present. Each
 * attempt and grow line is added to the drill's evidence.
 */
export function importEvidence(context: DrillContext, record: ImportRecord | undefined): CheckRecord {
  const attempts = record?.attempts ?? [];
  const last = attempts.at(-1);
  const retried = attempts.filter((attempt) => attempt.missingQueues.length > 0 || attempt.exitCode !== 0);
  for (const attempt of attempts) {
    context.addEvidence(`import attempt ${attempt.attempt}: exit ${attempt.exitCode}, ${attempt.missingQueues.length} queue(s) missing${attempt.reason ? ` (${attempt.reason})` : ''}`);
  }
  for (const line of record?.grown ?? []) context.addEvidence(line);
  const complete = last !== undefined && last.exitCode === 0 && last.missingQueues.length === 0;
  return complete
    ? { name: 'definitions-imported', ok: true, observation: { attempts: attempts.length, retried: retried.length }, ...(retried.length > 0 ? { reason: `complete after ${retried.length} retr${retried.length === 1 ? 'y' : 'ies'}` } : {}) }
    : { name: 'definitions-imported', ok: false, reason: importFailure(attempts), observation: attempts };
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

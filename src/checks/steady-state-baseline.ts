import { listQueues } from '../broker/definitions.js';
import { ClusterCommandError } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import type { StartedCluster } from '../core/platform.js';
import type { SteadyStateBaseline } from '../core/journal.js';

/** The definitions part of a baseline: what a recovery must bring back besides the nodes. */
export type DefinitionsView = Pick<SteadyStateBaseline, 'queues' | 'users' | 'vhosts'>;

/**
 * Reads queues (name, type, quorum members), users and vhosts from one node with three CLI calls, run together
 * (each costs ~1 s of CPU here). The same reading serves as the baseline before the fault and as the observation
 * after it, so both sides are measured the same way.
 * @throws ClusterCommandError (failure 'exit-code' or 'timeout') when the node cannot answer.
 */
export async function observeDefinitions(cluster: StartedCluster, ordinal: number): Promise<DefinitionsView> {
  const [queues, users, vhosts] = await Promise.all([
    listQueues(cluster, ordinal),
    listNames(cluster, ordinal, 'list_users', 'user'),
    listNames(cluster, ordinal, 'list_vhosts', 'name'),
  ]);
  return {
    queues: queues.map((queue) => ({ name: queue.name, type: queue.type, members: [...queue.members].sort() })).sort((a, b) => a.name.localeCompare(b.name)),
    users,
    vhosts,
  };
}

async function listNames(cluster: StartedCluster, ordinal: number, command: 'list_users' | 'list_vhosts', field: string): Promise<string[]> {
  const result = await cluster.exec(ordinal, 'rabbitmqctl', [command, '--formatter', 'json'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`${command} on node ${ordinal} failed: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
  return rows.map((row) => String(row[field])).sort();
}

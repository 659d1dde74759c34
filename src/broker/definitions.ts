import { ClusterCommandError } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { decodeErlangStrings } from '../common/erlang-terms.js';
import type { StartedCluster, VolumeFiles } from '../core/platform.js';

/** A definitions export (`rabbitmqctl export_definitions`): the topology, not the messages. */
export interface Definitions {
  users?: { name: string }[];
  vhosts?: { name: string }[];
  permissions?: { user: string; vhost: string }[];
  queues?: { name: string; vhost: string; durable: boolean; arguments?: Record<string, unknown> }[];
  [section: string]: unknown;
}

export interface QueueRow {
  name: string;
  type: string;
  members: string[];
  leader: string;
}

/** Exports from a running node (an export needs one: it is taken while healthy, as a backup would be). */
export async function exportDefinitions(cluster: StartedCluster, ordinal: number): Promise<Definitions> {
  const result = await cluster.exec(ordinal, 'rabbitmqctl', ['export_definitions', '-', '--format', 'json'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`export_definitions on node ${ordinal} failed: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  return JSON.parse(result.stdout) as Definitions;
}

/**
 * The export minus users the chart's Secret owns: importing their old password hash would undo the Secret
 * of the new install, and every client holding the current Secret would be refused.
 */
export function withoutUsers(definitions: Definitions, names: readonly string[]): Definitions {
  return {
    ...definitions,
    users: (definitions.users ?? []).filter((user) => !names.includes(user.name)),
  };
}

/** The file an import reads, in the node's data directory (on its volume), as `kubectl cp` would put it. */
export const DEFINITIONS_FILE = 'warren-definitions.json';

/**
 * Imports from a file on the node's volume (`rabbitmqctl import_definitions <path>`), emptied again afterwards.
 * Not from stdin: measured on RabbitMQ 4.3.6 (Erlang 29), `import_definitions` reading stdin crashes in
 * prim_tty (FunctionClauseError) and exits 70; a file works on 3.10, 4.0 and 4.3.
 * @returns the CLI's exit code and its output, Erlang char lists decoded.
 */
export async function importDefinitions(cluster: StartedCluster & VolumeFiles, ordinal: number, definitions: Definitions): Promise<{ exitCode: number; output: string }> {
  await cluster.writeDataFile(ordinal, DEFINITIONS_FILE, JSON.stringify(definitions));
  try {
    const path = `${cluster.dataDir(ordinal)}/${DEFINITIONS_FILE}`;
    const result = await cluster.exec(ordinal, 'rabbitmqctl', ['import_definitions', path, '--format', 'json'], { timeoutMs: 60_000 });
    // Import errors carry Erlang terms with char lists ([67,97,110,...] = "Can..."): shown decoded.
    return { exitCode: result.exitCode, output: decodeErlangStrings(`${result.stdout}\n${result.stderr}`.trim()) };
  } finally {
    await cluster.writeDataFile(ordinal, DEFINITIONS_FILE, '').catch(() => undefined);
  }
}

export async function listQueues(cluster: StartedCluster, ordinal: number): Promise<QueueRow[]> {
  const result = await cluster.exec(ordinal, 'rabbitmqctl', ['list_queues', 'name', 'type', 'members', 'leader', '--formatter', 'json'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`list_queues on node ${ordinal} failed: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  const rows = JSON.parse(result.stdout) as { name: string; type: string; members?: string[] | ''; leader?: string }[];
  return rows.map((row) => ({ name: row.name, type: row.type, members: Array.isArray(row.members) ? row.members : [], leader: row.leader ?? '' }));
}

import { listQueues } from '../broker/definitions.js';
import { ClusterCommandError, errorMessage } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { waitFor } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import { need, type StartedCluster } from '../core/platform.js';
import type { RabbitMqInfo } from '../core/rabbitmq-release.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/** The policy that mirrors the ledger's classic queues on every node, synchronising new mirrors at once. */
export const MIRROR_POLICY = { name: 'warren-mirrored', pattern: '^warren\\.ledger\\.classic\\.', definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic' } } as const;
/** How long the mirrors may take to synchronise, and each preStop command may take (ms). */
const STEP_TIMEOUT_MS = 60_000;

/**
 * The RabbitMQ Cluster Operator's preStop hook, in its order: wait until the node's quorum queues keep a majority
 * without it and its classic mirrored queues have a synchronised mirror elsewhere, then put the node in maintenance
 * mode (`rabbitmq-upgrade drain`: listeners suspended, clients disconnected, classic mirrored queue masters and
 * quorum queue leaders moved to other nodes). The operator passes 604800 s; warren bounds each at 60 s.
 */
const PRE_STOP: readonly (readonly string[])[] = [['await_online_quorum_plus_one', '-t', '60'], ['await_online_synchronized_mirror', '-t', '60'], ['drain', '-t', '60']];

/**
 * One pod deleted the way the RabbitMQ Cluster Operator deletes it: its preStop hook drains the node first (see
 * {@link PRE_STOP}), then `kubectl delete pod` terminates it and the StatefulSet controller recreates it on its volume.
 * The ledger's classic queues are mirrored on every node first ({@link MIRROR_POLICY}, set with `rabbitmqctl
 * set_policy`, mirrors synchronised before the drain), so the drain has masters to move. Classic queue mirroring was
 * removed in RabbitMQ 4.0 (rabbitmq.com/docs/3.13/ha): on 4.x the fault is not applicable.
 *
 * What the recreated node does with its maintenance-mode flag (cleared on boot, or still draining and refusing
 * clients) is what the drill's put/get through every pod shows. The fault resolves once the pod was deleted.
 */
export class DeletePodWithDrainFault implements Fault {
  readonly name = 'delete-pod-with-drain';
  readonly description: string;
  readonly requires = ['statefulset'] as const;

  /** @param ordinal the pod to delete (default 0, where classic queue 0's master and the quorum leaders start). */
  constructor(private readonly ordinal = 0) {
    this.description = `kubectl delete pod ${ordinal} with the Cluster Operator's preStop (rabbitmq-upgrade drain), the ledger's classic queues mirrored on every node`;
  }

  /** Classic queue mirroring exists only before 4.0: not applicable on 4.x, or on a node whose version is unknown. */
  notApplicable(rabbitmq: RabbitMqInfo): string | undefined {
    if (rabbitmq.version === null) return 'the node did not say which RabbitMQ it runs; classic queue mirroring exists only before 4.0 (rabbitmq.com/docs/3.13/ha)';
    const major = Number(rabbitmq.version.split('.')[0]);
    return Number.isNaN(major) || major >= 4 ? `classic queue mirroring was removed in RabbitMQ 4.0 (rabbitmq.com/docs/3.13/ha); the node runs ${rabbitmq.version}` : undefined;
  }

  /**
   * Mirrors the ledger, runs the preStop on the pod, then deletes it (resolves once it is gone).
   * @throws ClusterCommandError when the mirror policy is refused or its mirrors do not synchronise (before the outage).
   */
  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'statefulset');
    const pod = cluster.nodes[this.ordinal];
    if (pod === undefined) throw new ClusterCommandError(`no pod ${this.ordinal} in a cluster of ${cluster.nodes.length}`, { failure: 'exit-code' });
    await mirrorLedger(context);

    for (const args of PRE_STOP) {
      context.mark(`preStop on pod ${this.ordinal}: rabbitmq-upgrade ${args.join(' ')}`);
      const started = Date.now();
      const result = await cluster.exec(this.ordinal, 'rabbitmq-upgrade', [...args], { timeoutMs: STEP_TIMEOUT_MS + 5_000 });
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      context.addEvidence(`preStop: rabbitmq-upgrade ${args.join(' ')} on pod ${this.ordinal} → exit ${result.exitCode} after ${took}: ${firstLine(result.stdout || result.stderr)}`);
      // A preStop that fails does not stop the kubelet: the container is terminated all the same.
      if (result.exitCode !== 0) context.mark(`preStop step failed (exit ${result.exitCode}); Kubernetes deletes the pod anyway`);
    }
    context.addEvidence(`after the drain: ${await mastersAndLeaders(cluster, (this.ordinal + 1) % cluster.nodes.length)}`);

    context.mark(`kubectl delete pod ${this.ordinal}`);
    await cluster.deletePod(this.ordinal);
    return irreversible;
  }
}

/**
 * `rabbitmqctl set_policy` for {@link MIRROR_POLICY} on pod 0, then waits until every ledger classic queue has a
 * synchronised mirror on each other node (`list_queues name synchronised_slave_pids`).
 * @throws ClusterCommandError when the policy is refused or the mirrors do not synchronise within 60 s (before the
 *   outage: an error of the drill, not a finding).
 */
async function mirrorLedger(context: DrillContext): Promise<void> {
  const { cluster } = context;
  const set = await cluster.exec(0, 'rabbitmqctl', ['set_policy', MIRROR_POLICY.name, MIRROR_POLICY.pattern, JSON.stringify(MIRROR_POLICY.definition), '--apply-to', 'queues']);
  if (set.exitCode !== 0) throw new ClusterCommandError(`set_policy ${MIRROR_POLICY.name} failed (exit ${set.exitCode}): ${firstLine(set.stderr || set.stdout)}`, { failure: 'exit-code' });
  const mirrors = cluster.nodes.length - 1;
  const synced = await waitFor(
    `every ledger classic queue with ${mirrors} synchronised mirrors`,
    async () => {
      const rows = await mirroredQueues(cluster, 0);
      return rows.length === cluster.nodes.length && rows.every((row) => row.synchronised.length === mirrors) ? rows : false;
    },
    { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 500, signal: context.signal },
  ).catch((error: unknown) => {
    throw new ClusterCommandError(`mirroring the ledger before the fault: ${errorMessage(error)}`, { failure: 'exit-code' });
  });
  context.addEvidence(`policy ${MIRROR_POLICY.name} (${JSON.stringify(MIRROR_POLICY.definition)}): ${synced.map((row) => `${row.name} master ${row.master}, ${row.synchronised.length} synchronised mirrors`).join('; ')}`);
  context.mark(`ledger classic queues mirrored on all ${cluster.nodes.length} nodes`);
}

interface MirroredQueue {
  name: string;
  master: string;
  synchronised: string[];
}

/**
 * The ledger's classic queues with the node of their master and of each synchronised mirror, from 3.x's
 * `rabbitmqctl list_queues --silent name pid synchronised_slave_pids`: the table prints pids with their node
 * (`<rabbit-1@localhost.1701.786.0>`), where `--formatter json` prints `#PID<10989.786.0>` (measured on 3.10.8).
 */
async function mirroredQueues(cluster: StartedCluster, ordinal: number): Promise<MirroredQueue[]> {
  const result = await cluster.exec(ordinal, 'rabbitmqctl', ['list_queues', '--silent', 'name', 'pid', 'synchronised_slave_pids'], { timeoutMs: 15_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`list_queues on pod ${ordinal}: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  return result.stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([name]) => /^warren\.ledger\.classic\./.test(name ?? ''))
    .map(([name, pid = '', mirrors = '']) => ({ name: name!, master: nodesOfPids(pid)[0] ?? pid, synchronised: nodesOfPids(mirrors) }));
}

/** `[<rabbit-1@localhost.1701.786.0>, <rabbit-2@localhost.1701.9.0>]` → the nodes of those pids, in order. */
export function nodesOfPids(text: string): string[] {
  return [...text.matchAll(/<([^<>.\s]+@[^<>.\s]+)\.[\d.]+>/g)].map((match) => match[1]!);
}

/** Where the ledger's classic masters and quorum leaders are now, as one line of evidence (asked of pod `ordinal`). */
async function mastersAndLeaders(cluster: StartedCluster, ordinal: number): Promise<string> {
  try {
    const classic = await mirroredQueues(cluster, ordinal);
    const leaders = (await listQueues(cluster, ordinal)).filter((row) => row.leader !== '');
    return [...classic.map((row) => `${row.name} master ${row.master}`), ...leaders.map((row) => `${row.name} leader ${row.leader}`)].join('; ');
  } catch (error) {
    return `masters and leaders could not be listed: ${errorMessage(error)}`;
  }
}

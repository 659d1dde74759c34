import { listQueues, type QueueRow } from '../broker/definitions.js';
import { clusterStatus } from '../checks/cluster-membership-check.js';
import { errorMessage } from '../common/errors.js';
import { need, servingNodes } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/** How long one CLI call of the method may take (a shrink waits for a leader that may never come). */
const CLI_TIMEOUT_MS = 30_000;

/**
 * Disaster recovery for quorum queues that lost their majority for good
 * (`rabbit_quorum_queue:force_all_queues_shrink_member_to_current_member/0`): every quorum queue with a member on the
 * node it runs on becomes a one-member queue there. Present in the rabbit_quorum_queue module of 4.0.5 and 4.3.6,
 * absent from 3.10.8's (checked in the installed beam files; `rabbitmqctl eval` answers `undef` on 3.10.8).
 */
const FORCE_SHRINK = 'rabbit_quorum_queue:force_all_queues_shrink_member_to_current_member().';

/**
 * Accept a scale-down: shrink quorum queues to the nodes that remain and make RabbitMQ forget the nodes whose pods
 * were scaled away. On pod 0: quorum queues with members on removed nodes are force-shrunk to pod 0 where the broker
 * ships the disaster-recovery function ({@link FORCE_SHRINK}; where it does not, 3.10, they stay without a majority,
 * which is the finding); then for each removed node (highest first) `rabbitmqctl forget_cluster_node` (RabbitMQ's way
 * to remove an offline member: rabbitmq.com/docs/clustering); then `rabbitmq-queues shrink <node>` for any quorum
 * queue that still lists it. A call unanswered after 30 s is recorded and the next one runs; RabbitMQ may go on with
 * it on the server (measured on 4.3.6, /tmp/sd2/4.3: Khepri has no majority either, the force-shrink took ~30 s per
 * queue there and pod 0 served quorum queues again 101 s after the fault, one removed node still a member). Classic queues that lived on a forgotten node are deleted
 * with it by RabbitMQ (their messages too): the drill's ledger and definitions checks show what this costs.
 */
export class ForgetRemovedNodesRecovery implements Recovery {
  readonly name = 'forget-removed-nodes';
  readonly description = 'rabbitmqctl forget_cluster_node for every scaled-away node, then shrink quorum queues to the nodes that remain';
  readonly requires = ['statefulset'] as const;
  readonly wipesData = false;
  readonly #evidence = new Map<string, string[]>();

  mechanism(): string {
    return `on pod 0: quorum queues with members on removed nodes: rabbitmqctl eval '${FORCE_SHRINK}'; then per removed node, highest first: rabbitmqctl forget_cluster_node; then per removed node: rabbitmq-queues shrink`;
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(context.cluster, 'statefulset');
    const lines: string[] = [];
    this.#evidence.set(context.runId, lines);
    const serving = new Set(servingNodes(cluster).map((node) => node.ordinal));
    const removed = cluster.nodes.filter((node) => !serving.has(node.ordinal)).reverse();
    if (removed.length === 0) {
      context.mark('no pod was scaled away: nothing to forget');
      lines.push('every pod is meant to serve: no node forgotten');
      return;
    }
    const run = async (tool: 'rabbitmqctl' | 'rabbitmq-queues', args: string[]): Promise<void> => {
      const started = Date.now();
      const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      try {
        const result = await cluster.exec(0, tool, args, { timeoutMs: CLI_TIMEOUT_MS });
        // The whole answer, briefly: shrink exits 0 and lists a result per queue; eval's error is on its second line.
        const said = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim()).filter(Boolean).join(' | ');
        lines.push(`${tool} ${args.join(' ')} → exit ${result.exitCode} after ${took()}${said ? `: ${said.length > 600 ? `${said.slice(0, 600)}…` : said}` : ''}`);
      } catch (error) {
        if (context.signal.aborted) throw error;
        // A call that hangs (a metadata store without a majority) is recorded, and the runbook goes on.
        lines.push(`${tool} ${args.join(' ')} → after ${took()}: ${errorMessage(error)}`);
      }
    };
    // Quorum queues first: 4.0.5's forget_cluster_node tries to remove the node from every quorum queue and waits
    // 20 s for each one that has no leader (measured, /tmp/sd/40m); once they are one-member queues on pod 0, there
    // is nothing left on the removed nodes to wait for.
    context.mark('rabbitmqctl list_queues on pod 0: quorum queues with members on removed nodes');
    const leaderless = (await quorumQueues(context)).filter((row) => row.leader === '' || removed.some((node) => row.members.includes(node.nodeName)));
    if (leaderless.length > 0) {
      lines.push(`quorum queues with members on removed nodes: ${leaderless.map((row) => `${row.name} (leader ${row.leader || 'none'})`).join(', ')}`);
      context.mark(`force-shrinking ${leaderless.length} quorum queue(s) to pod 0`);
      await run('rabbitmqctl', ['eval', FORCE_SHRINK]);
    }
    for (const node of removed) {
      context.mark(`rabbitmqctl forget_cluster_node ${node.nodeName}`);
      await run('rabbitmqctl', ['forget_cluster_node', node.nodeName]);
    }
    for (const node of removed) {
      context.mark(`rabbitmq-queues shrink ${node.nodeName}`);
      await run('rabbitmq-queues', ['shrink', node.nodeName]);
    }
  }

  /**
   * Proof the method acted: the CLI calls it made, and `removed-nodes-forgotten` (pod 0's `cluster_status` lists no
   * scaled-away node as a member).
   */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    for (const line of this.#evidence.get(context.runId) ?? []) context.addEvidence(line);
    this.#evidence.delete(context.runId);
    const cluster = context.cluster;
    const servingNames = servingNodes(cluster).map((node) => node.nodeName);
    const view = await clusterStatus(cluster, 0, cluster.nodes[0]!.nodeName);
    if (view.runningNodes === null || view.members === undefined) return [{ name: 'removed-nodes-forgotten', ok: false, reason: `cluster_status on pod 0: ${view.error ?? 'no member list'}` }];
    const stillMembers = view.members.filter((member) => !servingNames.includes(member));
    return [
      stillMembers.length === 0
        ? { name: 'removed-nodes-forgotten', ok: true, observation: { members: view.members } }
        : { name: 'removed-nodes-forgotten', ok: false, reason: `pod 0 still lists [${stillMembers.join(', ')}] as members`, observation: { members: view.members } },
    ];
  }
}

async function quorumQueues(context: DrillContext): Promise<QueueRow[]> {
  try {
    return (await listQueues(context.cluster, 0)).filter((row) => row.type === 'quorum');
  } catch (error) {
    context.addEvidence(`list_queues on pod 0 failed: ${errorMessage(error)}`);
    return [];
  }
}

import { firstLine } from '../common/text.js';
import { decodeErlangStrings } from '../common/erlang-terms.js';
import { errorMessage } from '../common/errors.js';
import { servingNodes, type StartedCluster } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Diagnosis } from '../core/journal.js';
import type { Check, Verdict } from './check.js';

export interface MembershipView {
  node: string;
  /** The nodes this node sees running in its cluster, or the error that stopped us asking. */
  runningNodes: string[] | null;
  /** Nodes this node reports a network partition with (`cluster_status`'s `partitions`); empty when none. */
  partitions: string[];
  /** Every member of its cluster, running or not (`disk_nodes` and `ram_nodes`); empty when it could not be asked. */
  members?: string[];
  error?: string;
}

/**
 * Readiness is not membership: a force-booted node with another cookie reports ready while alone. Every node
 * asked must see exactly the cluster the baseline saw running (not an assumed N), and report no partition: a
 * partitioned node can still list every peer as running.
 */
export class ClusterMembershipCheck implements Check<MembershipView[]> {
  readonly name = 'cluster-membership';

  /**
   * @param expectedNodes the running nodes of the steady-state baseline (`cluster_status` before the fault).
   * @param askOrdinals which nodes to ask (default: every node meant to serve, {@link servingNodes}).
   */
  constructor(
    private readonly expectedNodes: readonly string[],
    private readonly askOrdinals?: readonly number[],
  ) {}

  observe(context: DrillContext): Promise<MembershipView[]> {
    const { cluster } = context;
    const asked = this.askOrdinals ? cluster.nodes.filter((node) => this.askOrdinals!.includes(node.ordinal)) : servingNodes(cluster);
    return Promise.all(asked.map((node) => clusterStatus(cluster, node.ordinal, node.nodeName)));
  }

  evaluate(views: MembershipView[]): Verdict {
    const expected = [...this.expectedNodes].sort();
    if (views.length === 0) return { ok: false, reason: 'no node was asked' };
    const problems: string[] = [];
    for (const view of views) {
      if (view.runningNodes === null) problems.push(`${view.node}: ${view.error ?? 'no answer'}`);
      else if (view.runningNodes.join(',') !== expected.join(',')) {
        problems.push(`${view.node} sees [${view.runningNodes.join(', ')}] running, expected the ${expected.length} nodes of the baseline`);
      }
      if (view.partitions.length > 0) problems.push(`${view.node} reports a partition with [${view.partitions.join(', ')}]`);
    }
    return problems.length === 0 ? { ok: true } : { ok: false, reason: problems.join('; ') };
  }
}

/**
 * One node's `rabbitmqctl cluster_status --formatter json`: running nodes and partitions. Never throws: an
 * unreachable node is a view with `error`.
 */
export async function clusterStatus(cluster: StartedCluster, ordinal: number, nodeName: string): Promise<MembershipView> {
  try {
    const result = await cluster.exec(ordinal, 'rabbitmqctl', ['cluster_status', '--formatter', 'json'], { timeoutMs: 20_000 });
    if (result.exitCode !== 0) return { node: nodeName, runningNodes: null, partitions: [], error: cliError(result.stderr || result.stdout) };
    const status = JSON.parse(result.stdout) as { running_nodes?: string[]; partitions?: unknown; disk_nodes?: string[]; ram_nodes?: string[] };
    const members = [...new Set([...(status.disk_nodes ?? []), ...(status.ram_nodes ?? [])])].sort();
    return { node: nodeName, runningNodes: [...(status.running_nodes ?? [])].sort(), partitions: partitionedWith(status.partitions), members };
  } catch (error) {
    return { node: nodeName, runningNodes: null, partitions: [], error: errorMessage(error) };
  }
}

/** `partitions` is `{}`/`[]` when healthy; otherwise node → the nodes it lost contact with (a map or a list of pairs). */
export function partitionedWith(partitions: unknown): string[] {
  if (partitions === undefined || partitions === null) return [];
  const values = Array.isArray(partitions) ? partitions : Object.entries(partitions as Record<string, unknown>);
  const nodes = new Set<string>();
  for (const entry of values.flat(2)) if (typeof entry === 'string') nodes.add(entry);
  return [...nodes].sort();
}

/**
 * The CLI's first line, plus its cookie verdict when the node gave one (further down, among the diagnostics).
 * Only the node's own rejection counts: the generic hint about cookies is printed for any unreachable node.
 */
function cliError(text: string): string {
  const decoded = decodeErlangStrings(text);
  const rejected = decoded.split('\n').find((line) => /Authentication failed/.test(line));
  return rejected ? `${firstLine(decoded)} ${rejected.trim()}` : firstLine(decoded);
}

/**
 * A split cluster: the nodes that answer run as more than one cluster, or a pod is ready while it sees itself
 * alone in a cluster of N (a force-booted node whose cookie differs, or a wiped node that formed its own).
 * Readiness is not membership: this is what a ready-looking outage looks like.
 */
export function splitCluster(views: readonly MembershipView[], readyNodes: readonly string[], clusterSize: number): Diagnosis | undefined {
  const answering = views.filter((view): view is MembershipView & { runningNodes: string[] } => view.runningNodes !== null);
  const groups = new Set(answering.map((view) => [...view.runningNodes].sort().join(',')));
  const alone = answering.filter((view) => clusterSize > 1 && readyNodes.includes(view.node) && view.runningNodes.length === 1);
  if (groups.size < 2 && alone.length === 0) return undefined;
  const first = answering.find((view) => groups.size >= 2 || alone.includes(view))!;
  return {
    signature: 'split-cluster',
    meaning: 'nodes that run do not form one cluster: each group (or lone ready node) serves on its own',
    source: 'cluster',
    node: first.node,
    count: groups.size,
    evidence: answering.map((view) => `${view.node} sees [${view.runningNodes.join(', ')}]`).join('; '),
  };
}

/**
 * `removed-nodes-still-members` when a node meant to serve still lists, among its cluster's members, a node that is
 * not meant to serve: after a scale-down, Kubernetes removes the pods but RabbitMQ keeps their nodes as members (only
 * `rabbitmqctl forget_cluster_node` removes one: rabbitmq.com/docs/clustering), so quorum queues and, on Khepri, the
 * metadata store still count them for their majority. Undefined when no node lists one.
 */
export function removedMembers(views: readonly MembershipView[], servingNodeNames: readonly string[]): Diagnosis | undefined {
  const listing = views
    .map((view) => ({ view, removed: (view.members ?? []).filter((member) => !servingNodeNames.includes(member)) }))
    .filter((entry) => entry.removed.length > 0);
  if (listing.length === 0) return undefined;
  return {
    signature: 'removed-nodes-still-members',
    meaning: 'nodes whose pods were scaled away are still cluster members: quorum queues (and a Khepri metadata store) still count them for their majority',
    source: 'cluster',
    node: listing[0]!.view.node,
    count: listing.length,
    evidence: listing.map(({ view, removed }) => `${view.node} still lists [${removed.join(', ')}] as members`).join('; '),
  };
}

/**
 * `network-partition` when any node's `cluster_status` lists partitions: RabbitMQ itself recorded that peers lost
 * sight of each other and came back without merging (Mnesia under `cluster_partition_handling = ignore` keeps the
 * partition until nodes are restarted: rabbitmq.com/docs/partitions). Undefined when no node reports one.
 */
export function networkPartition(views: readonly MembershipView[]): Diagnosis | undefined {
  const reporting = views.filter((view) => view.partitions.length > 0);
  if (reporting.length === 0) return undefined;
  return {
    signature: 'network-partition',
    meaning: 'RabbitMQ recorded a network partition: nodes lost each other and came back as separate views, though each may list the others as running',
    source: 'cluster',
    node: reporting[0]!.node,
    count: reporting.length,
    evidence: reporting.map((view) => `${view.node} reports a partition with [${view.partitions.join(', ')}]`).join('; '),
  };
}

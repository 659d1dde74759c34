import { firstLine } from '../common/text.js';
import { decodeErlangStrings } from '../common/erlang-terms.js';
import { errorMessage } from '../common/errors.js';
import type { StartedCluster } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Diagnosis } from '../core/journal.js';
import type { Check, Verdict } from './check.js';

export interface MembershipView {
  node: string;
  /** The nodes this node sees running in its cluster, or the error that stopped us asking. */
  runningNodes: string[] | null;
  /** Nodes this node reports a network partition with (`cluster_status`'s `partitions`); empty when none. */
  partitions: string[];
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
   * @param askOrdinals which nodes to ask (default: every node).
   */
  constructor(
    private readonly expectedNodes: readonly string[],
    private readonly askOrdinals?: readonly number[],
  ) {}

  observe(context: DrillContext): Promise<MembershipView[]> {
    const { cluster } = context;
    const asked = cluster.nodes.filter((node) => this.askOrdinals?.includes(node.ordinal) ?? true);
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
    const status = JSON.parse(result.stdout) as { running_nodes?: string[]; partitions?: unknown };
    return { node: nodeName, runningNodes: [...(status.running_nodes ?? [])].sort(), partitions: partitionedWith(status.partitions) };
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

import { ClusterCommandError } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { waitFor } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/** How long the fault waits for the two nodes to find each other again before it leaves the rest to RabbitMQ. */
const RECONNECT_WAIT_MS = 30_000;

/**
 * A blip of the Erlang distribution link between two nodes: `erlang:disconnect_node/1` evaluated on pod 0 against
 * pod 1 (`rabbitmqctl eval`), the milliseconds-long drop reported on 4.2 with Mnesia to leave a partition that nothing
 * shows while quorum queues keep working. Nothing is stopped: the nodes reconnect by themselves (the next message
 * between them), and what each metadata store makes of it is the finding. The fault resolves once pod 0 sees pod 1
 * connected again (or after 30 s, noted), so the checks look at what RabbitMQ did with the reconnection.
 *
 * The local platform runs RabbitMQ's default `cluster_partition_handling` (ignore); the report's diagnoses say
 * whether a partition was recorded.
 */
export class DistributionBlipFault implements Fault {
  readonly name = 'distribution-blip';
  readonly description = 'the Erlang distribution link between pod 0 and pod 1 dropped for a moment (erlang:disconnect_node/1 on pod 0)';
  readonly requires = [] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const { cluster } = context;
    const [from, to] = cluster.nodes;
    if (from === undefined || to === undefined) throw new ClusterCommandError('distribution-blip needs at least 2 nodes', { failure: 'exit-code' });
    context.mark(`erlang:disconnect_node('${to.nodeName}') on pod 0`);
    const dropped = await cluster.exec(0, 'rabbitmqctl', ['eval', `erlang:disconnect_node('${to.nodeName}').`]);
    if (dropped.exitCode !== 0 || dropped.stdout.trim() !== 'true') {
      throw new ClusterCommandError(`erlang:disconnect_node on pod 0 did not drop the link (exit ${dropped.exitCode}): ${firstLine(dropped.stderr || dropped.stdout)}`, { failure: 'exit-code' });
    }
    context.addEvidence(`erlang:disconnect_node('${to.nodeName}') on ${from.nodeName} returned true`);
    const reconnected = await waitFor(
      `${to.nodeName} connected to ${from.nodeName} again`,
      async () => {
        const seen = await cluster.exec(0, 'rabbitmqctl', ['eval', `lists:member('${to.nodeName}', nodes()).`]);
        return seen.exitCode === 0 && seen.stdout.trim() === 'true';
      },
      { timeoutMs: RECONNECT_WAIT_MS, intervalMs: 200, signal: context.signal },
    ).then(
      () => true,
      (error: unknown) => {
        if (context.signal.aborted) throw error;
        return false;
      },
    );
    context.mark(reconnected ? `${from.nodeName} and ${to.nodeName} are connected again` : `${from.nodeName} still not connected to ${to.nodeName} after ${RECONNECT_WAIT_MS / 1000} s`);
    return irreversible;
  }
}

import { describe, expect, it } from 'vitest';
import { ClusterCommandError } from '../../src/common/errors.js';
import { DistributionBlipFault } from '../../src/faults/distribution-blip-fault.js';
import { RestartPartitionedPodsRecovery } from '../../src/recoveries/restart-partitioned-pods-recovery.js';
import { FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];

/** cluster_status as RabbitMQ prints it with --formatter json, with `partitions` per node. */
function clusterStatusJson(partitions: Record<string, string[]>): string {
  return JSON.stringify({ running_nodes: NODES, partitions });
}

describe('DistributionBlipFault', () => {
  it('drops the link from pod 0 to pod 1, then waits until pod 0 sees pod 1 connected again', async () => {
    let polls = 0;
    const cluster = new FakeCluster({
      exec: (call: ExecCall) => {
        if (call.args[1]!.startsWith('erlang:disconnect_node')) return { exitCode: 0, stdout: 'true\n', stderr: '' };
        polls++;
        return { exitCode: 0, stdout: polls >= 3 ? 'true\n' : 'false\n', stderr: '' };
      },
    });
    const context = fakeContext(cluster);
    await new DistributionBlipFault().inject(context);
    expect(cluster.callsOf('exec').map((call) => [call.ordinal, ...call.args])).toEqual([
      [0, 'eval', "erlang:disconnect_node('rabbit-1@localhost')."],
      [0, 'eval', "lists:member('rabbit-1@localhost', nodes())."],
      [0, 'eval', "lists:member('rabbit-1@localhost', nodes())."],
      [0, 'eval', "lists:member('rabbit-1@localhost', nodes())."],
    ]);
    expect(context.evidence).toEqual(["erlang:disconnect_node('rabbit-1@localhost') on rabbit-0@localhost returned true"]);
    expect(context.marks.at(-1)).toBe('rabbit-0@localhost and rabbit-1@localhost are connected again');
  });

  it('is an error of the drill when the link was not dropped (false: the nodes were not connected)', async () => {
    const cluster = new FakeCluster({ exec: () => ({ exitCode: 0, stdout: 'false\n', stderr: '' }) });
    await expect(new DistributionBlipFault().inject(fakeContext(cluster))).rejects.toThrow(ClusterCommandError);
  });
});

describe('RestartPartitionedPodsRecovery', () => {
  function partitioned(partitions: Record<number, string[]>) {
    return new FakeCluster({
      exec: (call: ExecCall) => ({ exitCode: 0, stdout: clusterStatusJson(partitions[call.ordinal] ? { [NODES[call.ordinal]!]: partitions[call.ordinal]! } : {}), stderr: '' }),
    });
  }

  it('keeps the lowest pod that reports a partition and deletes the others that do', async () => {
    const cluster = partitioned({ 0: [NODES[1]!], 1: [NODES[0]!] });
    const context = fakeContext(cluster);
    await new RestartPartitionedPodsRecovery().apply(context);
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([1]);
    expect(context.evidence).toEqual(['cluster_status: pods 0, 1 report a partition; deleting pods 1']);
  });

  it('restarts the only pod that reports a partition', async () => {
    const cluster = partitioned({ 2: [NODES[0]!] });
    await new RestartPartitionedPodsRecovery().apply(fakeContext(cluster));
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([2]);
  });

  it('deletes nothing when no pod reports a partition, and says so', async () => {
    const cluster = partitioned({});
    const context = fakeContext(cluster);
    await new RestartPartitionedPodsRecovery().apply(context);
    expect(cluster.callsOf('deletePod')).toEqual([]);
    expect(context.evidence).toEqual(['cluster_status: no pod reports a partition; no pod was deleted']);
  });
});

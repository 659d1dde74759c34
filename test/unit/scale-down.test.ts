import { describe, expect, it } from 'vitest';
import { removedMembers, type MembershipView } from '../../src/checks/cluster-membership-check.js';
import { quorumQueueUnavailable } from '../../src/checks/put-get-check.js';
import { ClusterCommandError } from '../../src/common/errors.js';
import type { PutGetResult } from '../../src/core/journal.js';
import { servingNodes } from '../../src/core/platform.js';
import { ScaleDownFault } from '../../src/faults/scale-down-fault.js';
import { ForgetRemovedNodesRecovery } from '../../src/recoveries/forget-removed-nodes-recovery.js';
import { ScaleBackRecovery } from '../../src/recoveries/scale-back-recovery.js';
import { FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];
const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '' });

describe('servingNodes', () => {
  it('is every node until the StatefulSet is scaled down, then the pods below its replica count', async () => {
    const cluster = new FakeCluster();
    expect(servingNodes(cluster).map((node) => node.ordinal)).toEqual([0, 1, 2]);
    await cluster.scale(1);
    expect(servingNodes(cluster).map((node) => node.ordinal)).toEqual([0]);
    cluster.startUp();
    expect(servingNodes(cluster).map((node) => node.ordinal)).toEqual([0, 1, 2]);
  });

  it('is every node on a platform without a StatefulSet', () => {
    const cluster = new FakeCluster({ capabilities: [] });
    expect(servingNodes(cluster)).toHaveLength(3);
  });
});

describe('ScaleDownFault', () => {
  it('scales the StatefulSet to the replicas asked for', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    await new ScaleDownFault(1).inject(context);
    expect(cluster.callsOf('scale').map((call) => call.replicas)).toEqual([1]);
    expect(context.marks.at(-1)).toBe('pods 1, 2 gone; their volumes are kept');
  });

  it('refuses to scale to 0: that is a shutdown, not a scale-down', () => {
    expect(() => new ScaleDownFault(0)).toThrow(RangeError);
  });
});

describe('ScaleBackRecovery', () => {
  it('scales back to the spec\'s node count, and its evidence reads the replica count back', async () => {
    const cluster = new FakeCluster();
    await cluster.scale(1);
    const context = fakeContext(cluster);
    const recovery = new ScaleBackRecovery();
    expect(await recovery.evidence(context)).toEqual([{ name: 'scaled-back', ok: false, reason: 'the StatefulSet wants 1 of 3 pods; pods 1, 2 do not exist' }]);
    await recovery.apply(context);
    expect(cluster.callsOf('scale').map((call) => call.replicas)).toEqual([1, 3]);
    // Asked is not done: until the platform shows the pods again, the evidence fails.
    expect(await recovery.evidence(context)).toEqual([{ name: 'scaled-back', ok: false, reason: 'the StatefulSet wants 3 of 3 pods; pods 1, 2 do not exist' }]);
    for (const ordinal of [1, 2]) cluster.setPod(ordinal, { phase: 'ready', booted: true });
    expect(await recovery.evidence(context)).toEqual([{ name: 'scaled-back', ok: true }]);
  });
});

describe('ForgetRemovedNodesRecovery', () => {
  /** A cluster scaled to 1 whose CLI answers per command; cluster_status lists `members` afterwards. */
  async function scaledDown(options: { members: string[]; hang?: string }) {
    const cluster = new FakeCluster({
      exec: (call: ExecCall) => {
        const what = call.args[0] === 'eval' ? 'eval' : call.args[0]!;
        if (what === options.hang) throw new ClusterCommandError(`${call.tool} ${call.args.join(' ')} on rabbit-0@localhost: no answer within 30000 ms`, { failure: 'timeout' });
        if (what === 'list_queues') return ok(JSON.stringify([{ name: 'q', type: 'quorum', members: NODES, leader: '' }, { name: 'c', type: 'classic', members: '', leader: '' }]));
        if (what === 'cluster_status') return ok(JSON.stringify({ running_nodes: [NODES[0]], disk_nodes: options.members, partitions: {} }));
        return ok('done');
      },
    });
    await cluster.scale(1);
    cluster.clearCalls();
    return cluster;
  }

  it('force-shrinks quorum queues first, then forgets each removed node (highest first), then shrinks', async () => {
    const cluster = await scaledDown({ members: [NODES[0]!] });
    const context = fakeContext(cluster);
    const recovery = new ForgetRemovedNodesRecovery();
    await recovery.apply(context);
    expect(cluster.callsOf('exec').map((call) => [call.ordinal, call.tool, ...call.args])).toEqual([
      [0, 'rabbitmqctl', 'list_queues', 'name', 'type', 'members', 'leader', '--formatter', 'json'],
      [0, 'rabbitmqctl', 'eval', 'rabbit_quorum_queue:force_all_queues_shrink_member_to_current_member().'],
      [0, 'rabbitmqctl', 'forget_cluster_node', NODES[2]],
      [0, 'rabbitmqctl', 'forget_cluster_node', NODES[1]],
      [0, 'rabbitmq-queues', 'shrink', NODES[2]],
      [0, 'rabbitmq-queues', 'shrink', NODES[1]],
    ]);
    expect(await recovery.evidence(context)).toEqual([{ name: 'removed-nodes-forgotten', ok: true, observation: { members: [NODES[0]] } }]);
    expect(context.evidence[0]).toBe('quorum queues with members on removed nodes: q (leader none)');
  });

  it('records a call that hangs and goes on; the evidence fails while pod 0 still lists a removed node', async () => {
    const cluster = await scaledDown({ members: NODES, hang: 'eval' });
    const context = fakeContext(cluster);
    const recovery = new ForgetRemovedNodesRecovery();
    await recovery.apply(context);
    expect(cluster.ops().filter((op) => op.includes('forget_cluster_node'))).toHaveLength(2);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ name: 'removed-nodes-forgotten', ok: false, reason: `pod 0 still lists [${NODES[1]}, ${NODES[2]}] as members` });
    expect(context.evidence.some((line) => /^rabbitmqctl eval .* → after \d+\.\d s: .*no answer within 30000 ms$/.test(line))).toBe(true);
  });

  it('forgets nothing when no pod was scaled away', async () => {
    const cluster = new FakeCluster({ exec: () => ok() });
    const context = fakeContext(cluster);
    await new ForgetRemovedNodesRecovery().apply(context);
    expect(cluster.callsOf('exec')).toEqual([]);
  });
});

describe('scale-down diagnoses', () => {
  const view = (node: string, members: string[]): MembershipView => ({ node, runningNodes: [node], partitions: [], members });

  it('removed-nodes-still-members: a serving node lists a scaled-away node as a member', () => {
    const found = removedMembers([view(NODES[0]!, NODES)], [NODES[0]!]);
    expect(found).toMatchObject({ signature: 'removed-nodes-still-members', evidence: `${NODES[0]} still lists [${NODES[1]}, ${NODES[2]}] as members` });
  });

  it('no removed-nodes-still-members once they are forgotten, or while every node serves', () => {
    expect(removedMembers([view(NODES[0]!, [NODES[0]!])], [NODES[0]!])).toBeUndefined();
    expect(removedMembers([view(NODES[0]!, NODES)], NODES)).toBeUndefined();
  });

  const probe = (queueType: 'classic' | 'quorum', ok: boolean): PutGetResult => ({ node: NODES[0]!, ordinal: 0, queue: `warren.probe.${queueType}.0`, queueType, mode: 'get', ok, latencyMs: 1, ...(ok ? {} : { error: 'confirms not reached' }) });

  it('quorum-queue-unavailable: classic works through a node, quorum does not', () => {
    expect(quorumQueueUnavailable([probe('classic', true), probe('quorum', false)])).toMatchObject({ signature: 'quorum-queue-unavailable', node: NODES[0], count: 1 });
  });

  it('no quorum-queue-unavailable when the node is down (classic fails too) or quorum works', () => {
    expect(quorumQueueUnavailable([probe('classic', false), probe('quorum', false)])).toBeUndefined();
    expect(quorumQueueUnavailable([probe('classic', true), probe('quorum', true)])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ClusterMembershipCheck, networkPartition, splitCluster, type MembershipView } from './cluster-membership-check.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];

describe('ClusterMembershipCheck.evaluate', () => {
  const check = new ClusterMembershipCheck([NODES[2]!, NODES[0]!, NODES[1]!]);

  it('is ok when every node sees all nodes running', () => {
    const views: MembershipView[] = NODES.map((node) => ({ node, partitions: [], runningNodes: [...NODES] }));
    expect(check.evaluate(views)).toEqual({ ok: true });
  });

  it('is not ok when the cluster is split: one node sees only itself', () => {
    const views: MembershipView[] = [
      { node: NODES[0]!, partitions: [], runningNodes: [NODES[0]!] },
      { node: NODES[1]!, partitions: [], runningNodes: [NODES[1]!, NODES[2]!] },
      { node: NODES[2]!, partitions: [], runningNodes: [NODES[1]!, NODES[2]!] },
    ];
    const verdict = check.evaluate(views);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('rabbit-0@localhost sees [rabbit-0@localhost] running, expected the 3 nodes of the baseline');
    expect(verdict.reason?.split('; ')).toHaveLength(3);
  });

  it('is not ok when a node could not be asked, and carries its error', () => {
    const views: MembershipView[] = [
      { node: NODES[0]!, partitions: [], runningNodes: [...NODES] },
      { node: NODES[1]!, partitions: [], runningNodes: null, error: 'Error: unable to perform an operation on node' },
      { node: NODES[2]!, partitions: [], runningNodes: [...NODES] },
    ];
    expect(check.evaluate(views)).toEqual({ ok: false, reason: 'rabbit-1@localhost: Error: unable to perform an operation on node' });
  });

  it('says "no answer" for a node without a view or an error', () => {
    const views: MembershipView[] = [{ node: NODES[0]!, partitions: [], runningNodes: null }];
    expect(check.evaluate(views)).toEqual({ ok: false, reason: 'rabbit-0@localhost: no answer' });
  });

  it('is not ok when a node sees a stranger in place of a peer', () => {
    const stranger = [NODES[0]!, NODES[1]!, 'rabbit@elsewhere'].sort();
    const views: MembershipView[] = NODES.map((node) => ({ node, partitions: [], runningNodes: stranger }));
    expect(check.evaluate(views).ok).toBe(false);
  });
});

describe('splitCluster', () => {
  const [n0, n1, n2] = NODES as [string, string, string];
  const all = [...NODES];

  it('diagnoses two groups (0 and 1 together, 2 alone), with every view as evidence', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: [n0, n1] },
      { node: n1, partitions: [], runningNodes: [n0, n1] },
      { node: n2, partitions: [], runningNodes: [n2] },
    ];
    expect(splitCluster(views, all, 3)).toEqual({
      signature: 'split-cluster',
      meaning: expect.any(String),
      source: 'cluster',
      node: n0,
      count: 2,
      evidence: `${n0} sees [${n0}, ${n1}]; ${n1} sees [${n0}, ${n1}]; ${n2} sees [${n2}]`,
    });
  });

  it('diagnoses two groups even when no pod is ready (the groups alone prove the split)', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: [n0, n1] },
      { node: n1, partitions: [], runningNodes: [n0, n1] },
      { node: n2, partitions: [], runningNodes: [n2] },
    ];
    expect(splitCluster(views, [], 3)?.signature).toBe('split-cluster');
  });

  it('is undefined for one healthy cluster of 3', () => {
    const views: MembershipView[] = NODES.map((node) => ({ node, partitions: [], runningNodes: [...all] }));
    expect(splitCluster(views, all, 3)).toBeUndefined();
  });

  it('is undefined for a lone node that is not ready while the others do not answer', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: [n0] },
      { node: n1, partitions: [], runningNodes: null, error: 'Error: unable to perform an operation on node' },
      { node: n2, partitions: [], runningNodes: null },
    ];
    expect(splitCluster(views, [], 3)).toBeUndefined();
    // Another node being ready does not make this one's solitude a split.
    expect(splitCluster(views, [n1], 3)).toBeUndefined();
  });

  it('diagnoses a lone READY node in a cluster of 3, naming it, even when the others do not answer', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: [n0] },
      { node: n1, partitions: [], runningNodes: null, error: 'Error: unable to perform an operation on node' },
      { node: n2, partitions: [], runningNodes: null },
    ];
    const diagnosis = splitCluster(views, [n0], 3);
    expect(diagnosis).toMatchObject({ signature: 'split-cluster', source: 'cluster', node: n0, count: 1 });
    // Only the nodes that answered are evidence.
    expect(diagnosis?.evidence).toBe(`${n0} sees [${n0}]`);
  });

  it('names the lone ready node, not the first answering one', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: null },
      { node: n1, partitions: [], runningNodes: null },
      { node: n2, partitions: [], runningNodes: [n2] },
    ];
    expect(splitCluster(views, [n2], 3)?.node).toBe(n2);
  });

  it('is undefined for a lone ready node in a cluster of 1: alone is all it should be', () => {
    expect(splitCluster([{ node: n0, partitions: [], runningNodes: [n0] }], [n0], 1)).toBeUndefined();
  });

  it('is undefined when no node answers', () => {
    const views: MembershipView[] = NODES.map((node) => ({ node, partitions: [], runningNodes: null, error: 'nodedown' }));
    expect(splitCluster(views, all, 3)).toBeUndefined();
    expect(splitCluster([], all, 3)).toBeUndefined();
  });

  it('is undefined when the answering nodes agree on a partial cluster (a node missing is not a split)', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [], runningNodes: [n0, n1] },
      { node: n1, partitions: [], runningNodes: [n0, n1] },
      { node: n2, partitions: [], runningNodes: null },
    ];
    expect(splitCluster(views, [n0, n1], 3)).toBeUndefined();
  });
});

describe('ClusterMembershipCheck and partitions', () => {
  const check = new ClusterMembershipCheck(NODES);

  it('fails when every node sees every peer running but one reports a partition (cluster_status partitions)', () => {
    const views: MembershipView[] = NODES.map((node, i) => ({ node, runningNodes: [...NODES], partitions: i === 0 ? [NODES[2]!] : [] }));
    const verdict = check.evaluate(views);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('rabbit-0@localhost reports a partition with [rabbit-2@localhost]');
  });

  it('reads both shapes of cluster_status partitions: a map of node to nodes, or a list of pairs', async () => {
    const { partitionedWith } = await import('./cluster-membership-check.js');
    expect(partitionedWith({})).toEqual([]);
    expect(partitionedWith([])).toEqual([]);
    expect(partitionedWith({ 'rabbit-0@localhost': ['rabbit-2@localhost'] })).toEqual(['rabbit-0@localhost', 'rabbit-2@localhost']);
    expect(partitionedWith([['rabbit-1@localhost', ['rabbit-0@localhost']]])).toEqual(['rabbit-0@localhost', 'rabbit-1@localhost']);
  });
});

describe('ClusterMembershipCheck compares with the baseline, not with N', () => {
  it('is ok for a 5-node cluster whose baseline saw 5 nodes, and fails when one of them is missing after the fault', () => {
    const five = [0, 1, 2, 3, 4].map((i) => `rabbit-${i}@localhost`);
    const check = new ClusterMembershipCheck(five);
    expect(check.evaluate(five.map((node) => ({ node, runningNodes: [...five], partitions: [] })))).toEqual({ ok: true });
    const four = five.slice(0, 4);
    expect(check.evaluate(four.map((node) => ({ node, runningNodes: [...four], partitions: [] }))).ok).toBe(false);
  });
});

describe('networkPartition', () => {
  const [n0, n1, n2] = NODES as [string, string, string];

  it('diagnoses the partition every node that reports one names, even while each lists every peer as running', () => {
    const views: MembershipView[] = [
      { node: n0, partitions: [n1], runningNodes: [n0, n1, n2] },
      { node: n1, partitions: [n0], runningNodes: [n0, n1, n2] },
      { node: n2, partitions: [], runningNodes: [n0, n1, n2] },
    ];
    expect(networkPartition(views)).toMatchObject({
      signature: 'network-partition',
      source: 'cluster',
      node: n0,
      count: 2,
      evidence: `${n0} reports a partition with [${n1}]; ${n1} reports a partition with [${n0}]`,
    });
    // The membership check fails on the same views, though every node sees all three running.
    expect(new ClusterMembershipCheck(NODES).evaluate(views).ok).toBe(false);
  });

  it('diagnoses nothing when no node reports a partition (negative control)', () => {
    expect(networkPartition(NODES.map((node) => ({ node, partitions: [], runningNodes: [...NODES] })))).toBeUndefined();
  });
});

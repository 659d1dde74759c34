import { describe, expect, it } from 'vitest';
import { ClusterMembershipCheck, type MembershipView } from './cluster-membership-check.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];

describe('ClusterMembershipCheck.evaluate', () => {
  const check = new ClusterMembershipCheck([NODES[2]!, NODES[0]!, NODES[1]!]);

  it('is ok when every node sees all nodes running', () => {
    const views: MembershipView[] = NODES.map((node) => ({ node, runningNodes: [...NODES] }));
    expect(check.evaluate(views)).toEqual({ ok: true });
  });

  it('is not ok when the cluster is split: one node sees only itself', () => {
    const views: MembershipView[] = [
      { node: NODES[0]!, runningNodes: [NODES[0]!] },
      { node: NODES[1]!, runningNodes: [NODES[1]!, NODES[2]!] },
      { node: NODES[2]!, runningNodes: [NODES[1]!, NODES[2]!] },
    ];
    const verdict = check.evaluate(views);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('rabbit-0@localhost sees [rabbit-0@localhost] running, expected all 3 nodes');
    expect(verdict.reason?.split('; ')).toHaveLength(3);
  });

  it('is not ok when a node could not be asked, and carries its error', () => {
    const views: MembershipView[] = [
      { node: NODES[0]!, runningNodes: [...NODES] },
      { node: NODES[1]!, runningNodes: null, error: 'Error: unable to perform an operation on node' },
      { node: NODES[2]!, runningNodes: [...NODES] },
    ];
    expect(check.evaluate(views)).toEqual({ ok: false, reason: 'rabbit-1@localhost: Error: unable to perform an operation on node' });
  });

  it('says "no answer" for a node without a view or an error', () => {
    const views: MembershipView[] = [{ node: NODES[0]!, runningNodes: null }];
    expect(check.evaluate(views)).toEqual({ ok: false, reason: 'rabbit-0@localhost: no answer' });
  });

  it('is not ok when a node sees a stranger in place of a peer', () => {
    const stranger = [NODES[0]!, NODES[1]!, 'rabbit@elsewhere'].sort();
    const views: MembershipView[] = NODES.map((node) => ({ node, runningNodes: stranger }));
    expect(check.evaluate(views).ok).toBe(false);
  });
});

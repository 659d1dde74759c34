import { describe, expect, it } from 'vitest';
import { FAKE_CREDENTIALS, FakeCluster, fakeContext } from '../support/fake-cluster.js';

/** The fake itself: the behaviours the step tests lean on. */
describe('FakeCluster', () => {
  it('starts with every pod ready on revision 1, with the original credentials current', () => {
    const cluster = new FakeCluster();
    expect(cluster.status().map((pod) => [pod.ordinal, pod.phase, pod.revision, pod.booted])).toEqual([
      [0, 'ready', 1, true],
      [1, 'ready', 1, true],
      [2, 'ready', 1, true],
    ]);
    expect(cluster.credentials).toBe(cluster.spec.credentials);
    expect(cluster.spec.credentials).toEqual(FAKE_CREDENTIALS);
  });

  it('makes a revision per distinct template and reuses an identical one', () => {
    const cluster = new FakeCluster();
    const other = { username: 'warren', password: 'fake-other', erlangCookie: 'FAKEOTHER' };
    cluster.upgrade({ credentials: other });
    expect(cluster.revision()).toBe(2);
    expect(cluster.credentials).toEqual(other);
    cluster.upgrade({ forceBoot: { enabled: true, via: 'chart-values' } });
    expect(cluster.revision()).toBe(3);
    expect(cluster.credentials).toEqual(other);
    cluster.install({ credentials: FAKE_CREDENTIALS });
    expect(cluster.revision()).toBe(1);
    expect(cluster.ops()).toEqual(['upgrade', 'upgrade', 'install']);
  });

  it('returns copies from status() and leaves pods absent after uninstall', async () => {
    const cluster = new FakeCluster();
    cluster.status()[0]!.phase = 'back-off';
    expect(cluster.status()[0]!.phase).toBe('ready');
    await cluster.uninstall({ volumes: 'keep', termination: 'at-once' });
    expect(cluster.status().every((pod) => pod.phase === 'absent' && pod.revision === 0)).toBe(true);
  });

  it('throws on an exec nobody scripted, after recording it', async () => {
    const cluster = new FakeCluster();
    await expect(cluster.exec(1, 'rabbitmqctl', ['cluster_status'])).rejects.toThrow('unscripted exec on node 1: rabbitmqctl cluster_status');
    expect(cluster.callsOf('exec')).toEqual([{ op: 'exec', ordinal: 1, tool: 'rabbitmqctl', args: ['cluster_status'] }]);
  });

  it('gives a context with a live signal, collected marks and evidence, and a finite deadline', () => {
    const context = fakeContext(new FakeCluster({ runId: 'fake-42' }));
    expect(context.runId).toBe('fake-42');
    expect(Number.isFinite(context.recoveryDeadline)).toBe(true);
    context.mark('one');
    context.addEvidence('two');
    expect(context.marks).toEqual(['one']);
    expect(context.timeline.map((entry) => entry.event)).toEqual(['one']);
    expect(context.evidence).toEqual(['two']);
    expect(context.signal.aborted).toBe(false);
    context.controller.abort();
    expect(context.signal.aborted).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ParallelRestartRecovery } from '../../src/recoveries/parallel-restart-recovery.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

describe('ParallelRestartRecovery', () => {
  it('switches the StatefulSet to Parallel, and its evidence reads the policy back from the platform', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    await new ParallelRestartRecovery().apply(context);
    expect(cluster.startPolicy()).toBe('Parallel');
    expect(await new ParallelRestartRecovery().evidence(context)).toEqual([{ name: 'start-policy-parallel', ok: true }]);
  });

  it('negative control: evidence fails when the platform still runs OrderedReady', async () => {
    const cluster = new FakeCluster({ startPolicy: 'OrderedReady' });
    const [check] = await new ParallelRestartRecovery().evidence(fakeContext(cluster));
    expect(check).toMatchObject({ name: 'start-policy-parallel', ok: false });
    expect(check!.reason).toContain('OrderedReady');
  });
});

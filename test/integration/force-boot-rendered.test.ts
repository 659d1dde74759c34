import { describe, expect, it } from 'vitest';
import { waitFor } from '../../src/common/wait.js';
import { provisionLocalCluster } from '../support/one-local-cluster.js';

/**
 * `force-boot-rendered` must be able to fail on local: it reads what the pods' processes really run, not the
 * template warren stored. A template changed but not yet rolled out (no pod restarted) is not running force_boot.
 */
describe.sequential('local: appliedForceBoot reads the running pods', () => {
  it('is false while the pod still runs the old command, true once it was recreated from the new template, for each mechanism', async () => {
    await using test = await provisionLocalCluster(1);
    const { cluster } = test;
    const podReady = () => waitFor('pod 0 ready', async () => cluster.status()[0]?.phase === 'ready', { timeoutMs: 60_000, intervalMs: 200 });
    expect(await cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });

    await cluster.upgrade({ forceBoot: { enabled: true, via: 'statefulset-command' } });
    // The template says force boot; the pod has not restarted: it does not run it (the check must say so).
    expect(await cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });
    await cluster.deletePod(0);
    await podReady();
    expect(await cluster.appliedForceBoot()).toEqual({ chartValue: false, command: true });
    const runs = await cluster.forceBootRuns();
    expect(runs.length).toBeGreaterThan(0);

    await cluster.upgrade({ forceBoot: { enabled: true, via: 'chart-values' } });
    await cluster.deletePod(0);
    await podReady();
    expect(await cluster.appliedForceBoot()).toEqual({ chartValue: true, command: false });
    expect((await cluster.forceBootRuns()).length).toBeGreaterThan(runs.length);
  });
});

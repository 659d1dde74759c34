import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCredentials, Redactor } from '../../src/common/secrets.js';
import { waitFor } from '../../src/common/wait.js';
import { LocalPlatform } from '../../src/platforms/local/local-platform.js';
import type { StartedCluster } from '../../src/platforms/platform.js';
import { FileLogger } from '../../src/run/logger.js';

/**
 * `force-boot-rendered` must be able to fail on local: it reads what the pods' processes really run, not the
 * template warren stored. A template changed but not yet rolled out (no pod restarted) is not running force_boot.
 */
describe.sequential('local: appliedForceBoot reads the running pods', () => {
  const dirs: string[] = [];
  let cluster: StartedCluster | undefined;
  afterAll(async () => {
    await cluster?.teardown();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('is false while the pod still runs the old command, true once it was recreated from the new template, for each mechanism', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(dir);
    const redactor = new Redactor();
    const credentials = generateCredentials();
    redactor.add(credentials);
    const signal = new AbortController().signal;
    const log = new FileLogger(join(dir, 'warren.log'), redactor);
    cluster = await new LocalPlatform({ redactor }).provision(
      { runId: `test-${Date.now().toString(16)}`, nodes: 1, startPolicy: 'OrderedReady', credentials, tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 } },
      { signal, log, keep: false },
    );
    const started = cluster;
    const podReady = () => waitFor('pod 0 ready', async () => started.status()[0]?.phase === 'ready', { timeoutMs: 60_000, intervalMs: 200 });
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

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importMajorityDown } from '../../fixtures/scenarios/import-majority-down.js';
import { runCli } from '../../src/cli/cli.js';
import type { RunReport } from '../../src/core/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/**
 * Field notes, method 4: the first import failed with cluster_not_formed. Forced here (import while pods
 * 1..N-1 are down); definitions-reimport must retry and end with every quorum queue on all N nodes.
 */
describe.sequential('definitions-reimport with a majority down', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('retries on cluster_not_formed and ends with full quorum membership', async () => {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(reportDir);
    const code = await runCli(['scenario', importMajorityDown.name, '--report-dir', reportDir], new Map([[importMajorityDown.name, importMajorityDown]]));
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    const [method] = report.methods;
    expect(method, JSON.stringify(method?.timeline, null, 1)).toMatchObject({ method: 'definitions-reimport', outcome: 'recovered', passed: true });
    expect(code).toBe(0);

    // At least one import attempt came back incomplete because the cluster could not form the quorum queues.
    const imported = method!.checks.find((check) => check.name === 'definitions-imported');
    expect(imported).toMatchObject({ ok: true });
    expect((imported!.observation as { retried: number }).retried).toBeGreaterThan(0);
    expect(method!.evidence.join('\n')).toMatch(/import attempt 1: .*queue\(s\) missing \(cluster_not_formed\)/);
    expect(method!.checks.find((check) => check.name === 'quorum-members')).toMatchObject({ ok: true });
    // Every message is gone (the volumes were deleted), and the report says exactly how many.
    expect(method!.messages).toMatchObject({ confirmed: 400, recovered: 0, lost: 400, duplicated: 0 });

    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { misplacedForceLoad } from '../../fixtures/scenarios/misplaced-force-load.js';
import { runCli } from '../../src/cli/cli.js';
import type { RunReport } from '../../src/run/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/** The checks must be able to fail: a method that does not really work is reported not-recovered, exit 1. */
describe.sequential('negative control: force_load in the wrong directory', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('is not-recovered, fails its expectation and the run exits 1', async () => {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(reportDir);
    const scenarios = new Map([[misplacedForceLoad.name, misplacedForceLoad]]);
    const code = await runCli(['scenario', 'misplaced-force-load', '--report-dir', reportDir], scenarios);
    expect(code).toBe(1);

    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    expect(report.outcome).toBe('deviated');
    const [method] = report.methods;
    expect(method).toMatchObject({ method: 'force-load-file', outcome: 'not-recovered', passed: false, timeToRecoverMs: null });
    expect(method!.reason).toMatch(/expected recovered, got not-recovered/);
    expect(method!.evidence.join('\n')).toMatch(/rabbit-0\/rabbit-0@localhost\/\.\.\/force_load/);
    expect(method!.checks.find((check) => check.name === 'put-get')?.ok).toBe(false);
    expect(method!.diagnoses.map((d) => d.signature)).toContain('timeout-waiting-for-tables');
    const junit = await readFile(join(reportDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure/);

    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
  });
});

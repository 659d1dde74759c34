import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { harnessBreaks, losesAQueue, neverComesBack, slowFault } from '../../fixtures/scenarios/verdict-controls.js';
import { runCli } from '../../src/cli/cli.js';
import type { RunReport } from '../../src/core/journal.js';
import type { Scenario } from '../../src/scenarios/scenario.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/**
 * The verdict, on real nodes: RabbitMQ that never comes back after the fault is a finding (not-recovered, exit 1);
 * a bug of warren's is an error (exit 3); a fault slower than the recovery timeout leaves the method its time.
 */
describe.sequential('verdicts: findings vs harness failures', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function run(scenario: Scenario): Promise<{ code: number; report: RunReport }> {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(reportDir);
    const argv = ['scenario', scenario.name, '--nodes', '2', '--messages', '10', '--recovery-timeout', '10', '--report-dir', reportDir];
    const code = await runCli(argv, new Map([[scenario.name, scenario]]));
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
    return { code, report };
  }

  it('a wait on RabbitMQ that runs out after the fault is not-recovered (a finding, exit 1), not a harness error', async () => {
    const { code, report } = await run(neverComesBack);
    const [method] = report.methods;
    expect(method).toMatchObject({ outcome: 'not-recovered', passed: false });
    expect(method!.error).toBeUndefined();
    expect(method!.reason).toMatch(/pod 0 ready: not reached/);
    expect(report.outcome).toBe('deviated');
    expect(code).toBe(1);
  });

  it('a bug of warren\'s inside a method is an error (exit 3)', async () => {
    const { code, report } = await run(harnessBreaks);
    const [method] = report.methods;
    expect(method).toMatchObject({ outcome: 'error', passed: false });
    expect(method!.error?.name).toBe('TypeError');
    expect(report.outcome).toBe('error');
    expect(code).toBe(3);
  });

  it('a fault slower than the recovery timeout: the clock starts once it is injected, and put/get is probed', async () => {
    const { code, report } = await run(slowFault);
    const [method] = report.methods;
    expect(method).toMatchObject({ outcome: 'recovered', passed: true });
    expect(method!.putGet.length).toBeGreaterThan(0);
    // Time to recover still counts from the start of the fault.
    expect(method!.timeToRecoverMs).toBeGreaterThanOrEqual(12_000);
    expect(code).toBe(0);
  });

  it('a queue of the baseline that is gone after the method fails the definitions check (not-recovered, exit 1)', async () => {
    const { code, report } = await run(losesAQueue);
    const [method] = report.methods;
    expect(method).toMatchObject({ outcome: 'not-recovered', passed: false });
    expect(method!.checks.find((check) => check.name === 'definitions')).toMatchObject({ ok: false, reason: expect.stringContaining('queues missing: warren.ledger.classic.1 (classic)') });
    expect(code).toBe(1);
  });
});

import { execa } from 'execa';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/core/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/**
 * The README's "Write your own drill" example, run as a user runs it: `warren scenario ./examples/delete-one-pod.ts`
 * through the real `warren` command, on real nodes. It gets what a built-in scenario gets: the three reports, the
 * exit code of its verdict, and nothing left behind. Two nodes keep it short; the fault needs peers, not three.
 */
describe('a drill file of your own, through the warren command', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('examples/delete-one-pod.ts: exit 0, its expectation met, every report written, nothing left behind', async () => {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-drill-file-'));
    dirs.push(reportDir);
    const result = await execa(process.execPath, ['bin/warren.js', 'scenario', './examples/delete-one-pod.ts', '--nodes', '2', '--report-dir', reportDir], { reject: false, all: true });
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    expect(report.methods.filter((m) => !m.passed).map((m) => `${m.method}: ${m.reason}`)).toEqual([]);
    expect(result.exitCode, String(result.all).slice(-3_000)).toBe(0);
    expect(report).toMatchObject({ scenario: 'delete-one-pod', outcome: 'passed', nodes: 2 });
    const none = report.methods.find((m) => m.method === 'none')!;
    expect(none).toMatchObject({ outcome: 'recovered', passed: true, messages: { lost: 0 } });
    expect(none.checks.find((check) => check.name === 'pod-0-check-running')).toMatchObject({ ok: true, observation: { exitCode: 0 } });
    expect(none.steps.map((step) => `${step.name} ${step.status}`)).toEqual(['setup done', 'steady-state done', 'fault done', 'method done', 'recovery-wait done', 'verify done', 'teardown done']);
    expect(none.timeline.map((entry) => entry.event)).toEqual(expect.arrayContaining(['deleting pod 0', 'pod 0 deleted; the StatefulSet recreates it']));
    for (const name of ['report.md', 'junit.xml', 'warren.log']) await access(join(reportDir, name));
    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
  });

  it('a drill file with a type error: exit 2 and one line naming file, line and column, before anything starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warren-test-drill-file-bad-'));
    dirs.push(dir);
    const source = (await readFile('examples/delete-one-pod.ts', 'utf8')).replace("deletePod(0);", 'deletePod("0");');
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(join(dir, 'typo.ts'), source);
    const result = await execa(process.execPath, [join(process.cwd(), 'bin/warren.js'), 'scenario', './typo.ts', '--report-dir', join(dir, 'reports')], { reject: false, cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^warren: typo\.ts:\d+:\d+: type error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'\.$/);
    await expect(access(join(dir, 'reports'))).rejects.toThrow();
  });
});

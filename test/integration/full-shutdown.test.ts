import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/run/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/** The "Must show", end to end through the real CLI on real RabbitMQ nodes. */
describe.sequential('npm run scenario full-shutdown (local platform, 3 real nodes)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('exits 0; none stays down, every other method recovers with every message', async ({ signal }) => {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(reportDir);
    const result = await execa('npx', ['tsx', 'src/cli/main.ts', 'scenario', 'full-shutdown', '--report-dir', reportDir], {
      reject: false,
      cancelSignal: signal,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);

    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    expect(report).toMatchObject({ scenario: 'full-shutdown', platform: 'local', nodes: 3, outcome: 'passed' });
    expect(report.rabbitmq).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), metadataStore: 'mnesia' });
    const byName = new Map(report.methods.map((method) => [method.method, method]));
    expect([...byName.keys()]).toEqual(['none', 'force-boot', 'force-load-file', 'parallel-restart']);

    const none = byName.get('none')!;
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
    expect(none.diagnoses.map((d) => d.signature)).toContain('timeout-waiting-for-tables');

    for (const name of ['force-boot', 'force-load-file', 'parallel-restart']) {
      const method = byName.get(name)!;
      expect(method, name).toMatchObject({ outcome: 'recovered', passed: true });
      expect(method.timeToRecoverMs, name).toBeGreaterThan(0);
      expect(method.putGet, name).toHaveLength(6);
      expect(method.putGet.every((probe) => probe.ok), name).toBe(true);
      for (const node of ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost']) {
        expect(method.putGet.filter((p) => p.node === node).map((p) => p.queueType).sort(), `${name} ${node}`).toEqual(['classic', 'quorum']);
      }
      expect(method.messages, name).toMatchObject({ confirmed: 400, recovered: 400, lost: 0, duplicated: 0 });
      expect(method.checks.every((check) => check.ok), name).toBe(true);
    }
    expect(byName.get('force-load-file')!.evidence.join('\n')).toMatch(/force_load consumed/);

    const junit = await readFile(join(reportDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/tests="4"/);
    expect(junit).not.toMatch(/<failure/);
    expect(await readFile(join(reportDir, 'report.md'), 'utf8')).toMatch(/force-load-file/);

    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
  });
});

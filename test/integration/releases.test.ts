import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/run/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

/**
 * full-shutdown with every method on each 4.x release, through the real CLI, on real nodes running from the
 * root filesystems setup builds (3.10 is covered by the matrix test). What the nodes run is read from them.
 */
const RELEASES = [
  { series: '4.3', store: 'khepri', version: /^4\.3\./, erlang: /^29\./ },
  { series: '4.0', store: 'khepri', version: /^4\.0\./, erlang: /^27\./ },
  { series: '4.0', store: 'mnesia', version: /^4\.0\./, erlang: /^27\./ },
] as const;

describe.sequential('full-shutdown on RabbitMQ 4.x (every method, 3 real nodes per drill)', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it.for(RELEASES)('$series on $store: exit 0, every method met its expectation, what runs is read from the nodes', async (release) => {
    const reportDir = await mkdtemp(join(tmpdir(), `warren-test-${release.series}-${release.store}-`));
    dirs.push(reportDir);
    const result = await execa(process.execPath, ['bin/warren.js', 'scenario', 'full-shutdown', '--rabbitmq', release.series, '--metadata-store', release.store, '--report-dir', reportDir], { reject: false, all: true });
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    const missed = report.methods.filter((m) => !m.passed).map((m) => `${m.method}: ${m.reason}`);
    expect(missed).toEqual([]);
    expect(result.exitCode, String(result.all).slice(-3_000)).toBe(0);
    expect(report.rabbitmq).toEqual({ version: expect.stringMatching(release.version), metadataStore: release.store, erlang: expect.stringMatching(release.erlang) });
    expect(report.methods.map((m) => m.method)).toEqual(['none', 'chart-force-boot', 'statefulset-force-boot', 'force-load-file', 'definitions-reimport', 'parallel-restart']);

    const none = report.methods.find((m) => m.method === 'none')!;
    expect(none.outcome).toBe('not-recovered');
    expect(none.diagnoses.map((d) => d.signature)).toContain('ordered-ready-deadlock');
    const parallel = report.methods.find((m) => m.method === 'parallel-restart')!;
    expect(parallel).toMatchObject({ outcome: 'recovered', passed: true });
    expect(parallel.messages).toMatchObject({ lost: 0 });
    expect(parallel.checks.find((c) => c.name === 'start-policy-parallel')?.ok).toBe(true);

    // A force boot is never credited on Khepri: every force-boot method's own evidence fails there.
    if (release.store === 'khepri') {
      for (const name of ['chart-force-boot', 'statefulset-force-boot', 'force-load-file']) {
        const m = report.methods.find((method) => method.method === name)!;
        expect(m.outcome, name).not.toBe('recovered');
        expect(m.checks.filter((c) => !c.ok).map((c) => c.name), name).toEqual(expect.arrayContaining([expect.stringMatching(/^force-(boot-ran|load-consumed)$/)]));
      }
    }
    expect(await labelledProcesses(report.runId)).toEqual([]);
    expect(await runDirectories(report.runId)).toEqual([]);
  });
});

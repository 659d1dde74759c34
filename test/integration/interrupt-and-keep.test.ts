import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canConnect } from '../../src/platforms/local/epmd.js';
import type { RunReport } from '../../src/core/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

// Ctrl-C in the middle of a drill is exit-leaves-nothing.test's (SIGINT while the method runs, checked at the moment
// warren exits).
describe.sequential('cleanup: --keep, then cleanup --run', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('--keep leaves the cluster reachable and says how to stop it; cleanup --run removes it all', async ({ signal }) => {
    const reportDir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
    dirs.push(reportDir);
    const result = await execa('npx', ['tsx', 'src/cli/main.ts', 'scenario', 'full-shutdown', '--methods', 'parallel-restart', '--keep', '--report-dir', reportDir], {
      reject: false,
      cancelSignal: signal,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as RunReport;
    const kept = `${report.runId}-parallel-restart`;
    expect(result.stdout).toContain('kept (--keep):');
    expect(result.stdout).toContain(`cleanup --run ${kept}`);
    const ports = [...result.stdout.matchAll(/amqp:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    expect(ports).toHaveLength(3);
    expect(await Promise.all(ports.map((port) => canConnect(port)))).toEqual([true, true, true]);
    expect((await labelledProcesses(kept)).length).toBeGreaterThan(0);
    expect(await runDirectories(kept)).toHaveLength(1);

    // The kept run directory holds this drill's real secrets: none may appear in any report, log or output.
    const runDir = join(tmpdir(), `warren-${kept}`);
    const password = /^default_pass = (.+)$/m.exec(await readFile(join(runDir, 'config/rabbit-0/rabbitmq.conf'), 'utf8'))![1]!;
    const cookie = (await readFile(join(runDir, 'home/rabbit-0/.erlang.cookie'), 'utf8')).trim();
    expect(password.length).toBeGreaterThan(10);
    expect(cookie).toMatch(/^[A-Z]{32}$/);
    const written = (await readdir(reportDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(written.length).toBeGreaterThan(5);
    for (const file of written) {
      const text = await readFile(join(file.parentPath, file.name), 'utf8');
      expect(text.includes(password) || text.includes(cookie), file.name).toBe(false);
    }
    expect(result.all!.includes(password) || result.all!.includes(cookie)).toBe(false);

    const cleanup = await execa('npx', ['tsx', 'src/cli/main.ts', 'cleanup', '--run', kept], { reject: false });
    expect(cleanup.exitCode, cleanup.stderr).toBe(0);
    await expect.poll(() => labelledProcesses(kept), { timeout: 5_000 }).toEqual([]);
    expect(await runDirectories(kept)).toEqual([]);
    expect(await Promise.all(ports.map((port) => canConnect(port)))).toEqual([false, false, false]);
  });
});

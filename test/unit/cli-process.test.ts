import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The few things only a real process shows (everything else is tested in-process, see cli-bad-input.test.ts):
 * the bin and the npm script, and that a bad --report-dir ends the process itself, promptly.
 */
describe('the warren process', () => {
  let privateTmp: string;

  beforeEach(async () => {
    privateTmp = await mkdtemp(join(tmpdir(), 'cli-process-'));
  });

  afterEach(async () => {
    await rm(privateTmp, { recursive: true, force: true });
  });

  it('--report-dir under /proc: exit 2 within seconds with one line, nothing left; it neither spins nor ignores SIGTERM', async () => {
    const result = await execa(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scenario', 'full-shutdown', '--report-dir', '/proc/warren-x'], {
      env: { TMPDIR: privateTmp },
      reject: false,
      timeout: 15_000, // then SIGTERM, and SIGKILL 2 s later if SIGTERM is ignored (a healthy exit takes ~4 s)
      forceKillAfterDelay: 2_000,
    });
    expect(result.timedOut, 'still running after 15 s').toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('warren: --report-dir "/proc/warren-x": cannot create /proc/warren-x (ENOENT)');
    expect(result.stdout).toBe('');
    expect((await readdir(privateTmp)).filter((entry) => entry.startsWith('warren-'))).toEqual([]);
  }, 25_000);

  it('`npx warren --help` (the bin) and `npm run scenario -- --help` print help and exit 0', async () => {
    const env = { TMPDIR: privateTmp };
    const [bin, script] = await Promise.all([
      execa(process.execPath, ['bin/warren.js', '--help'], { env, reject: false, timeout: 20_000 }),
      execa('npm', ['run', '--silent', 'scenario', '--', '--help'], { env, reject: false, timeout: 20_000 }),
    ]);
    expect(bin.exitCode, bin.stderr).toBe(0);
    expect(bin.stdout).toMatch(/^Usage: warren \[options\] \[command\]/);
    expect(bin.stdout).toMatch(/^Exit codes:/m);
    expect(script.exitCode, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/^Usage: warren scenario <name>\|<file>\|all \[options\]/);
    expect(script.stdout).toMatch(/--nodes <count> +RabbitMQ nodes/);
  }, 30_000);
});

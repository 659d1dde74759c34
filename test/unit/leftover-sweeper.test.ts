import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweepLeftovers } from '../../src/platforms/local/leftover-sweeper.js';
import { processRow, stillThere } from '../support/leftovers.js';

/**
 * The sweeper's owner rule, with real processes: a run whose owner (the warren that started it: pid and start
 * time, in WARREN_OWNER and in the run directory's `warren-owner` file) is alive is never touched; a dead
 * owner's run is swept; a pid reused by another process (another start time) is not the owner. Each test
 * labels its processes with a run id of its own, and never sweeps `all` (other runs may share this machine).
 */
describe('sweepLeftovers: the owner rule', () => {
  let baseDir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'sweeper-test-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(async () => rm(baseDir, { recursive: true, force: true }));

  /** A `sleep` started by the test: the owner, or a run's process when given a label. */
  async function sleeper(env: Record<string, string> = {}): Promise<{ pid: number; startTime: number; child: ChildProcess }> {
    const child = spawn('sleep', ['100'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore', detached: true });
    children.push(child);
    await expect.poll(() => processRow(child.pid!)?.comm).toBe('sleep');
    return { pid: child.pid!, startTime: processRow(child.pid!)!.startTime, child };
  }

  /** A run `<id>-none` with one process and its run directory, both naming `owner` (`pid:start time`). */
  async function leftoverRun(owner: string): Promise<{ id: string; label: string; process: { pid: number; startTime: number }; dir: string }> {
    const id = randomBytes(4).toString('hex');
    const label = `${id}-none`;
    const { pid, startTime } = await sleeper({ WARREN_RUN_ID: label, WARREN_OWNER: owner });
    const dir = join(baseDir, `warren-${label}`);
    await mkdir(join(dir, 'volumes'), { recursive: true });
    await writeFile(join(dir, 'warren-owner'), `${owner}\n`);
    return { id, label, process: { pid, startTime }, dir };
  }

  const exists = (path: string) => access(path).then(() => true, () => false);

  it('leaves a run whose owner is alive untouched, and reports it', async () => {
    const owner = await sleeper();
    const run = await leftoverRun(`${owner.pid}:${owner.startTime}`);

    const result = await sweepLeftovers(run.id, { baseDir });
    expect(result.processes).toEqual([]);
    expect(result.directories).toEqual([]);
    expect(result.liveRuns).toEqual([{ label: run.label, owner: { pid: owner.pid, startTime: owner.startTime } }]);
    expect(stillThere(run.process)?.state).not.toBe('Z');
    expect(await exists(run.dir)).toBe(true);
  });

  it('sweeps a run whose owner is gone: its processes are out of the process table, its directory removed', async () => {
    const owner = await sleeper();
    const run = await leftoverRun(`${owner.pid}:${owner.startTime}`);
    owner.child.kill('SIGKILL');
    await expect.poll(() => stillThere(owner)).toBeUndefined();

    const result = await sweepLeftovers(run.id, { baseDir });
    expect(result.processes).toEqual([run.process.pid]);
    expect(result.directories).toEqual([run.dir]);
    expect(result.liveRuns).toEqual([]);
    expect(stillThere(run.process)).toBeUndefined();
    expect(await exists(run.dir)).toBe(false);
  });

  it('does not take a reused pid for the owner: the same pid with another start time is a dead owner', async () => {
    // This very test process is alive, but it is not the process that started at tick 1.
    const self = processRow(process.pid)!;
    const run = await leftoverRun(`${process.pid}:${self.startTime === 1 ? 2 : 1}`);

    const result = await sweepLeftovers(run.id, { baseDir });
    expect(result.liveRuns).toEqual([]);
    expect(result.processes).toEqual([run.process.pid]);
    expect(stillThere(run.process)).toBeUndefined();
    expect(await exists(run.dir)).toBe(false);
  });

  it('refuses, touching nothing, to sweep a live run when asked to (cleanup --run)', async () => {
    const owner = await sleeper();
    const run = await leftoverRun(`${owner.pid}:${owner.startTime}`);

    await expect(sweepLeftovers(run.id, { baseDir, whenOwnerAlive: 'refuse' })).rejects.toThrow(
      new RegExp(`run ${run.label} is still running \\(owner: warren pid ${owner.pid}\\)`),
    );
    expect(stillThere(run.process)?.state).not.toBe('Z');
    expect(await exists(run.dir)).toBe(true);
  });

  it('`cleanup --run` of a live run: exit 2, one line naming the run and its owner, nothing touched', async () => {
    const owner = await sleeper();
    const run = await leftoverRun(`${owner.pid}:${owner.startTime}`);

    const result = await execa('npx', ['tsx', 'src/cli/main.ts', 'cleanup', '--run', run.id], { env: { TMPDIR: baseDir }, reject: false });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`warren: run ${run.label} is still running (owner: warren pid ${owner.pid}); stop that warren first (Ctrl-C), then clean up`]);
    expect(stillThere(run.process)?.state).not.toBe('Z');
    expect(await exists(run.dir)).toBe(true);
  }, 20_000);

  it('only ever removes warren run directories: warren-<8 hex digits>[-<method>]', async () => {
    const others = ['warren-test-report-abc123', 'warren-test'].map((name) => join(baseDir, name));
    for (const dir of others) await mkdir(dir);
    vi.stubEnv('TMPDIR', baseDir); // the default place, as `warren cleanup` sweeps it

    const result = await sweepLeftovers('test');
    expect(result.directories).toEqual([]);
    for (const dir of others) expect(await exists(dir)).toBe(true);
  });
});

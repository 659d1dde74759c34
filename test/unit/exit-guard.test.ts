import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processesWithEnv, stillThere, type ProcessRow } from '../support/leftovers.js';

/**
 * The exit guard, with real processes: when warren's process ends without a teardown (process.exit, or a
 * signal nothing handles, which kills Node), every process it started is killed, and gone by the moment the
 * process has exited. Only warren's own child, the group's leader, may be left as a zombie: nobody can reap it
 * before warren is gone (then PID 1 does). The child is test/support/guarded-child.ts.
 */
describe('exit guard', () => {
  let tag = '';
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exit-guard-test-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const row of processesWithEnv('GUARD_TEST', (value) => value === tag)) {
      try {
        process.kill(row.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  async function guardedChild(mode: 'exit' | 'wait', signal?: NodeJS.Signals) {
    tag = randomBytes(6).toString('hex');
    const child = execa(process.execPath, ['--import', 'tsx', 'test/support/guarded-child.ts', mode, tag, dir], { reject: false });
    let rows: ProcessRow[] = [];
    let leader = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      leader = Number(/ready (\d+)/.exec(chunk.toString())?.[1] ?? leader);
    });
    // What is left is looked at the moment the child has exited, synchronously: not a moment later.
    const atExit = new Promise<{ running: ProcessRow[]; inTable: ProcessRow[] }>((resolve) => {
      child.once('exit', () => {
        const left = rows.map(stillThere).filter((row) => row !== undefined);
        resolve({ running: left.filter((row) => row.state !== 'Z'), inTable: left });
      });
    });
    await expect.poll(() => (rows = processesWithEnv('GUARD_TEST', (value) => value === tag)).length, { timeout: 8_000 }).toBe(3);
    if (signal) process.kill(child.pid!, signal);
    const result = await child;
    return { result, leader, ...(await atExit) };
  }

  it.each([
    ['process.exit()', 'exit', undefined],
    ['SIGQUIT, which Node dies of', 'wait', 'SIGQUIT'],
    ['SIGHUP, which Node dies of', 'wait', 'SIGHUP'],
  ] as const)('%s: every process of the group is gone at exit (only the leader may wait to be reaped)', async (_, mode, signal) => {
    const { result, leader, running, inTable } = await guardedChild(mode, signal);
    if (signal) expect(result.signal, result.stderr).toBe(signal);
    else expect(result.exitCode).toBe(0);
    expect(running, `${result.stderr}`).toEqual([]);
    expect(inTable.filter((row) => row.pid !== leader)).toEqual([]);
  }, 20_000);
});

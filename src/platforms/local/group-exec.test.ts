import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { execInGroup } from './group-exec.js';

/** A shell that forks a child holding the output pipe (as RabbitMQ's CLI script runs erl), for `seconds`. */
const HOLDS_PIPE = (seconds: number) => ['-c', `sleep ${seconds}; true`];
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('execInGroup', () => {
  it('returns soon after its timeout although a child of the command keeps the output pipe open', async () => {
    const started = Date.now();
    const result = await execInGroup('/bin/sh', HOLDS_PIPE(20), { env, cwd: '/', timeoutMs: 300, signal: new AbortController().signal });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('leaves nothing of the group behind after a timeout, even a child that let go of the output pipe', async () => {
    // A sleep with an argument no other process has: found by its command line.
    const seconds = `37.${process.pid}${Date.now() % 100_000}`;
    const result = await execInGroup('/bin/sh', ['-c', `(sleep ${seconds} >/dev/null 2>&1 &); exec sleep 20`], { env, cwd: '/', timeoutMs: 300, signal: new AbortController().signal });
    expect(result.timedOut).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = await execa('pgrep', ['-f', `sleep ${seconds}`], { reject: false });
    expect(String(left.stdout).trim()).toBe('');
  });

  it('negative control: killing only the pid execa started waits for that child (the bug it fixes)', async () => {
    const started = Date.now();
    const result = await execa('/bin/sh', HOLDS_PIPE(4), { env, reject: false, timeout: 300, forceKillAfterDelay: 200 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);
  });

  it('returns soon after a cancel, and a quick command just returns its output', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = execInGroup('/bin/sh', HOLDS_PIPE(20), { env, cwd: '/', timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect((await running).isCanceled).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
    const quick = await execInGroup('/bin/sh', ['-c', 'echo hello'], { env, cwd: '/', timeoutMs: 5_000, signal: new AbortController().signal });
    expect([quick.exitCode, String(quick.stdout)]).toEqual([0, 'hello']);
  });
});

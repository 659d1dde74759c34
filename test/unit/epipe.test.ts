import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a reader that goes away (warren … | head)', () => {
  it('does not crash warren or make it spin: it goes on and exits with its own code', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/epipe-writer.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Like `head -1`: read one chunk, then close the pipe; every later write of the child fails with EPIPE.
    child.stdout.once('data', () => child.stdout.destroy());
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(killer);
    expect(code).toBe(0);
  }, 30_000);
});

import { describe, expect, it, vi } from 'vitest';
import { RunInterruptedError, WaitTimeoutError } from './errors.js';
import { sleep, waitFor, withTimeout } from './wait.js';

describe('waitFor', () => {
  it('resolves with the first value the probe returns that is not undefined or false', async () => {
    const answers: (string | undefined | false)[] = [undefined, false, 'ready'];
    const probe = vi.fn(async () => answers.shift());
    await expect(waitFor('node ready', probe, { timeoutMs: 2_000, intervalMs: 1 })).resolves.toBe('ready');
    expect(probe).toHaveBeenCalledTimes(3);
  });

  it('probes once before the first interval', async () => {
    const probe = vi.fn(async () => 42);
    await expect(waitFor('answer', probe, { timeoutMs: 1_000, intervalMs: 60_000 })).resolves.toBe(42);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('treats a throwing probe as "not yet" and goes on probing', async () => {
    let calls = 0;
    const probe = async (): Promise<string> => {
      calls++;
      if (calls < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:5672');
      return 'up';
    };
    await expect(waitFor('amqp up', probe, { timeoutMs: 2_000, intervalMs: 1 })).resolves.toBe('up');
    expect(calls).toBe(3);
  });

  it('times out with a WaitTimeoutError naming what, the timeout, the last observation and the last error', async () => {
    let calls = 0;
    const probe = async (): Promise<string | false> => {
      calls++;
      if (calls % 2 === 1) throw new Error(`connect ECONNREFUSED (attempt ${calls})`);
      return false;
    };
    const error = await waitFor('rabbit-0 ready', probe, { timeoutMs: 100, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    const timeout = error as WaitTimeoutError;
    expect(timeout.message).toMatch(/^rabbit-0 ready: not reached within 100 ms; last error: connect ECONNREFUSED \(attempt \d+\)$/);
    expect(timeout.what).toBe('rabbit-0 ready');
    expect(timeout.lastObservation).toBe(false);
    expect(calls).toBeGreaterThan(2);
  });

  it('has no "last error" in the message when the probe never threw', async () => {
    const error = await waitFor('never', async () => false, { timeoutMs: 50, intervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe('never: not reached within 50 ms');
  });

  it('rejects with RunInterruptedError when the signal is aborted', async () => {
    const controller = new AbortController();
    const probe = vi.fn(async () => {
      if (probe.mock.calls.length === 2) controller.abort();
      return false as const;
    });
    const error = await waitFor('pods ready', probe, { timeoutMs: 5_000, intervalMs: 5, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunInterruptedError);
    expect((error as Error).message).toBe('interrupted while waiting for pods ready');
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('notices an abort during a long interval at once, not at the next probe', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitFor('pods ready', async () => false, { timeoutMs: 30_000, intervalMs: 20_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toBeInstanceOf(RunInterruptedError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not probe at all when the signal is already aborted', async () => {
    const probe = vi.fn(async () => 'value');
    await expect(waitFor('x', probe, { timeoutMs: 1_000, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RunInterruptedError);
    expect(probe).not.toHaveBeenCalled();
  });
});

describe('withTimeout', () => {
  it('resolves with the promise’s value when it is in time', async () => {
    await expect(withTimeout('declare', Promise.resolve('ok'), 1_000)).resolves.toBe('ok');
  });

  it('passes the promise’s own rejection through', async () => {
    await expect(withTimeout('declare', Promise.reject(new Error('channel closed')), 1_000)).rejects.toThrow('channel closed');
  });

  it('rejects with a WaitTimeoutError when the promise hangs', async () => {
    const error = await withTimeout('declare warren.ledger.quorum', new Promise(() => {}), 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe('declare warren.ledger.quorum: not reached within 20 ms');
  });
});

describe('sleep', () => {
  it('rejects with RunInterruptedError when aborted while sleeping', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toBeInstanceOf(RunInterruptedError);
  });
});

describe('waitFor and bugs in the probe', () => {
  it('rethrows a TypeError at once instead of timing out as if the node never answered', async () => {
    let calls = 0;
    const probe = async (): Promise<boolean> => {
      calls++;
      const status = undefined as unknown as { phase: string };
      return status.phase === 'ready';
    };
    const started = Date.now();
    const error = await waitFor('pod 0 ready', probe, { timeoutMs: 5_000, intervalMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(WaitTimeoutError);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

import { setMaxListeners } from 'node:events';
import pWaitFor from 'p-wait-for';
import { RunInterruptedError, WaitTimeoutError } from './errors.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * The one wrapper around p-wait-for. A probe returns a value: truthy means done. A probe that throws
 * (connection refused while a node is down) counts as "not yet", and the last error is kept so a timeout
 * says WHAT never became true and why. Always bounded: p-wait-for's default timeout is Infinity.
 * A probe that throws a programming error (TypeError, ReferenceError, SyntaxError) rejects at once with that error.
 * @throws WaitTimeoutError when `timeoutMs` passes; RunInterruptedError when `signal` aborts.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const { timeoutMs, intervalMs = 250, signal } = options;
  let lastObservation: unknown;
  let lastError: unknown;
  let result: T | undefined;
  // The deadline is a signal of our own (p-wait-for adds one listener per interval to the signal it
  // waits on; on a signal we own, the listener limit can be lifted so long waits do not warn).
  const deadline = AbortSignal.timeout(timeoutMs);
  const waitSignal = signal ? AbortSignal.any([deadline, signal]) : deadline;
  setMaxListeners(0, waitSignal);
  // p-wait-for looks at the deadline only between probes: a probe that hangs must not hang the wait.
  const ended = new Promise<never>((_, reject) => waitSignal.addEventListener('abort', () => reject(waitSignal.reason), { once: true }));
  ended.catch(() => {});
  const condition = async (): Promise<boolean> => {
    if (signal?.aborted) throw new RunInterruptedError(`interrupted while waiting for ${what}`);
    try {
      const value = await Promise.race([probe(), ended]);
      lastObservation = value;
      if (value === undefined || value === false) return false;
      result = value;
      return true;
    } catch (error) {
      if (waitSignal.aborted) throw waitSignal.reason;
      // A bug in the probe is warren's, not a node that is still down: fail at once instead of timing out as if
      // RabbitMQ never answered (a WaitTimeoutError after the fault is a verdict about RabbitMQ).
      if (isProgrammingError(error)) throw new ProbeError(what, error);
      lastError = error;
      return false;
    }
  };
  try {
    await pWaitFor(condition, { interval: intervalMs, signal: waitSignal, before: true });
  } catch (error) {
    if (error instanceof ProbeError) throw error.cause;
    if (error instanceof RunInterruptedError || signal?.aborted) throw new RunInterruptedError(`interrupted while waiting for ${what}`);
    if (deadline.aborted) throw new WaitTimeoutError(what, timeoutMs, lastObservation, lastError);
    throw error;
  }
  return result as T;
}

/** Errors only a bug throws (a property of undefined, a wrong call): never a transient state of a node. */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

/** Carries a probe's programming error through p-wait-for, which would otherwise wrap or swallow it. */
class ProbeError extends Error {
  override name = 'ProbeError';
  constructor(what: string, cause: unknown) {
    super(`probe for ${what} failed`, { cause });
  }
}

/** An abortable sleep: rejects with RunInterruptedError when the run is cancelled. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RunInterruptedError('interrupted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunInterruptedError('interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Bounds one promise (an AMQP call on a queue without a leader can hang forever). */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs, undefined)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { setMaxListeners } from 'node:events';
import { constants } from 'node:os';
import { errorMessage } from '../common/errors.js';
import { exitGuard } from '../platforms/local/exit-guard.js';

/** The signals that stop a run gracefully: Ctrl-C, a CI job's cancellation or `kill`, a closed terminal. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The shell's convention: a process ended by signal N exits 128 + N (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** How long a second signal may take to stop everything, in ms, before warren exits anyway. */
const HARD_STOP_MS = 5_000;

/** The interrupts of one command, from listenForInterrupts() until stop(). */
export interface Interrupts {
  /** Aborted by the first signal: the run stops, reverts its faults and tears down (always). */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: InterruptSignal | undefined;
  /**
   * The command's exit code given the run's: an interrupted run's 130 becomes that of the signal that
   * interrupted it (SIGTERM 143, SIGHUP 129); any other code is kept.
   */
  exitCode(code: number): number;
  /** Stops listening (signals then have Node's default effect again). Idempotent. */
  stop(): void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP while a run goes on.
 * - The first one aborts `signal`: the run is recorded as interrupted, its faults are reverted and everything it
 *   started is torn down before warren exits with 128 + the signal's number.
 * - A second one (a deliberate second press: at least 1 s later, since one Ctrl-C reaches warren twice through
 *   npm and tsx) quits at once: every process warren started is SIGKILLed and waited for (at most 5 s), every run
 *   directory removed, then warren exits with 128 + that signal's number. A third one exits without waiting.
 * - After SIGHUP the terminal may be gone: writing progress to it must not crash the teardown.
 */
export function listenForInterrupts(): Interrupts {
  const controller = new AbortController();
  setMaxListeners(1_000, controller.signal);
  let received: InterruptSignal | undefined;
  let firstAt = 0;
  let hardStopping = false;

  const onSignal = (signal: InterruptSignal) => {
    if (received === undefined) {
      received = signal;
      firstAt = Date.now();
      if (signal === 'SIGHUP') ignoreOutputErrors();
      process.stderr.write(`\n${signal}: stopping, cleaning up (again to quit at once)…\n`);
      controller.abort();
      return;
    }
    if (Date.now() - firstAt < 1_000) return;
    if (hardStopping) process.exit(signalExitCode(signal)); // the exit guard still kills what it can, synchronously
    hardStopping = true;
    process.stderr.write(`\n${signal}: quitting at once, killing every process warren started…\n`);
    void exitGuard
      .stopAll({ timeoutMs: HARD_STOP_MS })
      .then(
        (left) => left && process.stderr.write(`warren: ${errorMessage(left)}\n`),
        (error) => process.stderr.write(`warren: stopping everything failed: ${errorMessage(error)}\n`),
      )
      .finally(() => process.exit(signalExitCode(signal)));
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, onSignal);

  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    exitCode(code: number): number {
      return code === signalExitCode('SIGINT') && received !== undefined ? signalExitCode(received) : code;
    },
    stop(): void {
      for (const signal of INTERRUPT_SIGNALS) process.off(signal, onSignal);
    },
  };
}

/** A write to a hung-up terminal fails (EIO, EPIPE); without a listener that failure would crash warren. */
function ignoreOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

import { errorMessage } from '../common/errors.js';
import { exitGuard } from '../platforms/local/exit-guard.js';
import { EXIT } from './cli.js';

/**
 * Ends warren's process with `code`, but only once every process it started is gone and every run directory
 * it created is removed: the exit guard kills and waits for whatever a teardown left (nothing, normally; a
 * --keep run's cluster was released from it). If something is still there after the guard's bound, warren says
 * so in one line and a pass or a finding (0, 1) becomes a harness failure (3): the promise was broken.
 */
export async function exitWhenSettled(code: number): Promise<never> {
  let exitCode = code;
  // The run is over and its teardown done; what is left is a bounded wait (PID 1 reaping zombies). A Ctrl-C,
  // SIGTERM or SIGHUP now must not kill Node by the default action (exit code lost, the wait cut short): the
  // wait ends within its bound anyway, then warren exits with the run's code.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  try {
    const left = await exitGuard.stopAll();
    if (left) {
      process.stderr.write(`warren: ${errorMessage(left)}\n`);
      if (exitCode === EXIT.passed || exitCode === EXIT.finding) exitCode = EXIT.harness;
    }
  } catch (error) {
    process.stderr.write(`warren: stopping what is left failed: ${errorMessage(error)}\n`);
    if (exitCode === EXIT.passed || exitCode === EXIT.finding) exitCode = EXIT.harness;
  }
  return process.exit(exitCode);
}

/**
 * A crash (an exception or a rejection nothing handled) is a harness failure: one line on stderr, everything
 * warren started is killed and waited for, exit 3. Node's default would exit 1, which CI reads as a finding.
 */
export function exitOnCrash(): void {
  // A reader that went away (`warren … | head`: EPIPE) is not a crash: the run goes on and writes its reports, its
  // progress is lost. Unhandled, each failed write was an uncaught exception whose own message failed to write
  // again: warren spun at full CPU and never exited (measured 2026-11-30).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  let crashed = false;
  process.on('uncaughtException', (error) => {
    if (crashed) return;
    crashed = true;
    try {
      process.stderr.write(`warren: crashed: ${error instanceof Error && error.stack ? error.stack : errorMessage(error)}\n`);
    } catch {
      // stderr is gone: the exit code still says it
    }
    void exitWhenSettled(EXIT.harness);
  });
}

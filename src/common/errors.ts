import { decodeErlangStrings } from '../broker/erlang-terms.js';

/**
 * Error classes. Each names WHY a run could not go on, so the CLI can map it to an exit code:
 * a UsageError is the caller's mistake (exit 2), everything else under HarnessError means warren or the
 * environment broke (exit 3). A RabbitMQ cluster that fails a drill is never an exception: that is a verdict.
 */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** Bad command line or options: nothing has been started yet. */
export class UsageError extends HarnessError {
  override name = 'UsageError';
}

/** The machine lacks something warren needs (a binary, a free port, a package). */
export class EnvironmentError extends HarnessError {
  override name = 'EnvironmentError';
}

/** A command run against a node (rabbitmqctl, …) failed. `cause` holds the ExecaError. */
export class ClusterCommandError extends HarnessError {
  override name = 'ClusterCommandError';
}

/** The run was cancelled (Ctrl-C): reverts and teardown still run. */
export class RunInterruptedError extends HarnessError {
  override name = 'RunInterruptedError';
}

export class WaitTimeoutError extends HarnessError {
  override name = 'WaitTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastObservation: unknown,
    readonly lastError?: unknown,
  ) {
    const last = lastError === undefined ? '' : `; last error: ${errorMessage(lastError)}`;
    super(`${what}: not reached within ${timeoutMs} ms${last}`);
  }
}

/** The one-line text of an error, with Erlang char lists and binaries decoded so an operator reads words. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return decodeErlangStrings(text);
}

/** Plain data for journals and reports: never the raw object (it may hold sockets or secrets). */
export interface ErrorRecord {
  name: string;
  message: string;
  cause?: string;
}

export function toErrorRecord(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const record: ErrorRecord = { name: error.name, message: errorMessage(error) };
  if (error.cause !== undefined) record.cause = errorMessage(error.cause);
  return record;
}

import { decodeErlangStrings } from './erlang-terms.js';

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

/**
 * Why a command against a node failed: it could not be run at all ('spawn': a missing binary, a broken machine),
 * it was cancelled (Ctrl-C), the node never answered within the timeout ('timeout', execa's `timedOut`), or it ran
 * and RabbitMQ answered with a failure ('exit-code'). The last two are about RabbitMQ, not warren.
 */
export type CommandFailure = 'spawn' | 'cancelled' | 'timeout' | 'exit-code';

/** A command run against a node (rabbitmqctl, …) failed. `cause` holds the ExecaError; `failure` says how. */
export class ClusterCommandError extends HarnessError {
  override name = 'ClusterCommandError';
  readonly failure: CommandFailure;
  constructor(message: string, options?: ErrorOptions & { failure?: CommandFailure }) {
    super(message, options);
    this.failure = options?.failure ?? 'spawn';
  }
}

/** The run was cancelled (Ctrl-C): reverts and teardown still run. */
export class RunInterruptedError extends HarnessError {
  override name = 'RunInterruptedError';
}

/**
 * A condition on the system under test never became true in time (a pod ready, a node waiting for tables, an
 * AMQP call answered). Deliberately NOT a HarnessError: before the fault it means the cluster never reached its
 * steady state (the drill cannot measure anything: error), after the fault it is RabbitMQ not coming back, which
 * is the finding a drill exists for (not-recovered). `waitFor` rethrows a probe's programming error (TypeError, …)
 * at once, so a timeout is never a harness bug in disguise.
 */
export class WaitTimeoutError extends Error {
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

/**
 * True when an error says RabbitMQ did not answer or did not reach a state in time (a wait that ran out, a CLI
 * call that timed out against a node or was answered with a failure), as opposed to warren or the machine breaking (a missing binary, a bug).
 * After the fault the former is a verdict (not-recovered), the latter an error (exit 3).
 */
export function isRabbitMqUnresponsive(error: unknown): boolean {
  return error instanceof WaitTimeoutError || (error instanceof ClusterCommandError && (error.failure === 'timeout' || error.failure === 'exit-code'));
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

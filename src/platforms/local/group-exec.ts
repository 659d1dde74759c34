import { execa, type Options, type Result } from 'execa';

/** What {@link execInGroup} needs beyond the command: its bound and the run's cancel signal. */
export interface GroupExecOptions {
  env: Record<string, string>;
  cwd: string;
  input?: string;
  /** Milliseconds until the command is stopped (SIGTERM, then SIGKILL to its whole process group 2 s later). */
  timeoutMs: number;
  signal: AbortSignal;
}

/** How long after SIGTERM the whole group is killed. */
const KILL_GROUP_AFTER_MS = 2_000;

/**
 * Runs a command in its own process group and, once it times out or is cancelled, kills the whole group: the call
 * returns within `timeoutMs` + 2 s whatever the command started, and nothing of the group outlives it. Killing only the pid started is not enough for
 * RabbitMQ's CLI: its script runs erl as a child, which keeps the output pipe open, so the call returned only when
 * the command did (measured on 4.3.6: a 60 s `rabbitmqctl eval` with a 5 s timeout returned after 61 s).
 * Never rejects for the command's own failure: the result says `timedOut`, `isCanceled` and the exit code.
 */
export async function execInGroup(file: string, argv: readonly string[], options: GroupExecOptions): Promise<Result> {
  const call = execa(file, argv, {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    forceKillAfterDelay: KILL_GROUP_AFTER_MS,
    detached: true,
  } satisfies Options);
  const killGroup = () => {
    if (call.pid === undefined) return;
    try {
      process.kill(-call.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const timer = setTimeout(killGroup, options.timeoutMs + KILL_GROUP_AFTER_MS);
  let cancelTimer: NodeJS.Timeout | undefined;
  const onCancel = () => {
    cancelTimer = setTimeout(killGroup, KILL_GROUP_AFTER_MS);
  };
  options.signal.addEventListener('abort', onCancel, { once: true });
  try {
    const result = (await call) as Result;
    // Stopped, not finished: whatever it started in its group goes too (a child that let go of the output pipe
    // would otherwise outlive the call).
    if (result.timedOut || result.isCanceled) killGroup();
    return result;
  } finally {
    clearTimeout(timer);
    clearTimeout(cancelTimer);
    options.signal.removeEventListener('abort', onCancel);
  }
}

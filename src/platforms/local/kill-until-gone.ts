import { HarnessError } from '../../common/errors.js';
import { describeProcess, isZombie, listProcesses, readProcess, type ProcessEntry } from './process-table.js';

/** Returns, on each call, the processes that still count (alive or zombies). */
export type ProcessFinder = () => ProcessEntry[];

export interface KillUntilGoneOptions {
  /** What these processes are, for the error: `the processes of run 3f2a9c01-none`. */
  what: string;
  /** How long to wait, in ms, before giving up. Default 10_000. */
  timeoutMs?: number;
  /** How often to look again, in ms. Default 50. */
  intervalMs?: number;
  /**
   * Also wait until every zombie is reaped (default). A process killed together with its parent is re-parented
   * to PID 1 and stays in the table as a zombie until PID 1 reaps it; without this, killing ends when nothing
   * runs any more.
   */
  untilReaped?: boolean;
  /** Processes that do not count even though the finder returns them (for example our own unreaped children). */
  ignore?: (entry: ProcessEntry) => boolean;
}

/** Some processes were still in the process table when the wait for them to go ended. */
export class ProcessesRemainError extends HarnessError {
  override name = 'ProcessesRemainError';
  constructor(
    readonly what: string,
    readonly remaining: readonly ProcessEntry[],
    readonly timeoutMs: number,
  ) {
    const unreaped = remaining.length > 0 && remaining.every((entry) => isZombie(entry) && entry.ppid === 1);
    const init = readProcess(1)?.comm ?? 'init';
    const hint = unreaped ? `; they have exited, but PID 1 (${init}) does not reap them: run warren under an init that reaps orphans (docker run --init, tini)` : '';
    super(`${what}: ${remaining.length} process(es) still there after ${timeoutMs} ms: ${remaining.map(describeProcess).join(', ')}${hint}`);
  }
}

/**
 * A finder for the processes `matches` picks that also remembers them: a process that has since become a
 * zombie (whose environment reads empty, so `matches` may no longer know it) still counts until it is reaped.
 * A pid is remembered with its start time, so a reused pid is not mistaken for the process that had it.
 * Our own process never counts.
 */
export function rememberingFinder(matches: (entry: ProcessEntry) => boolean): ProcessFinder {
  const seen = new Map<number, number>();
  return () => {
    const found: ProcessEntry[] = [];
    const present = new Set<number>();
    for (const entry of listProcesses()) {
      if (entry.pid === process.pid) continue;
      present.add(entry.pid);
      if (seen.get(entry.pid) === entry.startTime || matches(entry)) {
        seen.set(entry.pid, entry.startTime);
        found.push(entry);
      }
    }
    for (const pid of seen.keys()) if (!present.has(pid)) seen.delete(pid);
    return found;
  };
}

/**
 * SIGKILLs every live process `find` returns, again on each look (one forked meanwhile is caught too), until
 * none counts any more. Resolves at once when none counts.
 * @throws ProcessesRemainError when some still count after `timeoutMs`; it lists them.
 */
export async function killUntilGone(find: ProcessFinder, options: KillUntilGoneOptions): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = killRound(find, options);
    if (remaining.length === 0) return;
    if (Date.now() >= deadline) throw new ProcessesRemainError(options.what, remaining, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * killUntilGone for an exit handler, where only synchronous work runs: it blocks the thread between looks.
 * Never throws.
 * @returns what still counts when `timeoutMs` passed (empty when everything went).
 */
export function killUntilGoneSync(find: ProcessFinder, options: KillUntilGoneOptions): ProcessEntry[] {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const remaining = killRound(find, options);
    if (remaining.length === 0 || Date.now() >= deadline) return remaining;
    Atomics.wait(pause, 0, 0, intervalMs);
  }
}

function killRound(find: ProcessFinder, options: KillUntilGoneOptions): ProcessEntry[] {
  const untilReaped = options.untilReaped ?? true;
  const remaining = find().filter((entry) => !options.ignore?.(entry) && (untilReaped || !isZombie(entry)));
  for (const entry of remaining) {
    if (isZombie(entry)) continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // ESRCH: it went meanwhile.
    }
  }
  return remaining;
}

import { rmSync } from 'node:fs';
import { onExit } from 'signal-exit';
import { HarnessError } from '../../common/errors.js';
import { killUntilGone, killUntilGoneSync, ProcessesRemainError, rememberingFinder, type ProcessFinder } from './kill-until-gone.js';
import { environmentValue, isZombie, type ProcessEntry } from './process-table.js';
import { GROUP_MARKER_VARIABLE, RUN_LABEL_VARIABLE } from './process-labels.js';

/** What the guard needs to know of a process group (see ProcessGroup). */
export interface GuardedGroup {
  /** The leader's pid, also the process group id. */
  readonly pid: number;
  /** The group's marker, in every member's environment. */
  readonly marker: string;
  /** Its members still in the process table, zombies included. */
  remaining(): ProcessEntry[];
}

const groups = new Set<GuardedGroup>();
const runs = new Map<string, string>();
let labelled: ProcessFinder = newFinder();
let stopping: Promise<ProcessesRemainError | undefined> | undefined;
let closing = false;
let installed = false;

/** What the guard must see gone: processes it found by group, marker or label, and what each group remembers. */
function finder(): ProcessEntry[] {
  const found = new Map<number, ProcessEntry>();
  for (const entry of labelled()) found.set(entry.pid, entry);
  for (const group of groups) for (const entry of group.remaining()) found.set(entry.pid, entry);
  return [...found.values()];
}

/** How long the guard waits for the processes it killed, in ms: exiting must not hang on them. */
const EXIT_WAIT_MS = 5_000;

function newFinder(): ProcessFinder {
  return rememberingFinder((entry) => {
    for (const group of groups) if (entry.pgid === group.pid) return true;
    if (groups.size > 0) {
      const marker = environmentValue(entry.pid, GROUP_MARKER_VARIABLE);
      if (marker !== undefined) for (const group of groups) if (group.marker === marker) return true;
    }
    const label = runs.size > 0 ? environmentValue(entry.pid, RUN_LABEL_VARIABLE) : undefined;
    return label !== undefined && runs.has(label);
  });
}

function watching(): boolean {
  return groups.size > 0 || runs.size > 0;
}

function install(): void {
  if (installed) return;
  installed = true;
  onExit(
    () => {
      closing = true;
      if (!watching()) return;
      // A child of ours that is a zombie now can only be reaped once we are gone (by PID 1): it cannot count.
      killUntilGoneSync(finder, { what: 'every process warren started', timeoutMs: EXIT_WAIT_MS, ignore: (entry) => isZombie(entry) && entry.ppid === process.pid });
      removeDirectories();
    },
    { alwaysLast: true },
  );
}

function removeDirectories(): void {
  for (const dir of runs.values()) rmSync(dir, { recursive: true, force: true });
}

/**
 * The last line of defence when warren exits without a teardown: it kills every process warren started (every
 * process group, and every process carrying the label of a run still watched: CLI calls, orphaned port
 * programs) and removes every run directory it created.
 * - stopAll(): the asynchronous way, for a second Ctrl-C, a crash and the end of every CLI command. It waits
 *   until no such process is left in the process table at all, zombies included (warren reaps its own children
 *   as it waits; PID 1 reaps the others).
 * - At exit without stopAll (process.exit elsewhere, a signal nothing else handles; through signal-exit, so a
 *   SIGHUP or SIGQUIT that kills Node runs it too): the same, synchronously. Only warren's own children stay
 *   as zombies there: nobody can reap them before warren has exited, then PID 1 does.
 * A --keep run releases its cluster from the guard.
 */
export const exitGuard = {
  /** Guards a process group until it is forgotten. */
  watchGroup(group: GuardedGroup): void {
    install();
    groups.add(group);
  },
  /** The group is gone: the guard lets go of it. */
  forgetGroup(group: GuardedGroup): void {
    groups.delete(group);
  },
  /** Guards a run: every process labelled `label` (see RUN_LABEL_VARIABLE) and the run directory `dir`. */
  watchRun(label: string, dir: string): void {
    install();
    runs.set(label, dir);
  },
  /** The run has been torn down: the guard lets go of it. */
  forgetRun(label: string): void {
    runs.delete(label);
  },
  /** For --keep: warren exits, the kept cluster lives on. */
  releaseAll(): void {
    groups.clear();
    runs.clear();
    labelled = newFinder();
  },
  /** True once warren has started exiting: nothing new may be started. */
  get closing(): boolean {
    return closing;
  },
  /**
   * Call right before starting a process: arms the guard first (Node runs signal listeners from its event
   * loop, so once they are installed a signal that lands right after the spawn waits until the new group is
   * watched), and refuses while warren is exiting (a pod's restart loop must not outlive stopAll).
   * @throws HarnessError once stopAll() or the exit handler has begun.
   */
  beforeSpawn(): void {
    if (closing) throw new HarnessError('warren is exiting: no new process may start');
    install();
  },
  /**
   * Kills every guarded process, waits until none is left in the process table (bounded by `timeoutMs`,
   * default 5 s), removes every guarded run directory, and from then on refuses to start processes.
   * @returns undefined when everything went; else the error naming what is still there (never rejects with it).
   */
  stopAll(options: { timeoutMs?: number } = {}): Promise<ProcessesRemainError | undefined> {
    closing = true;
    // One stop for everyone: a second Ctrl-C's and the end of the command's must not race each other.
    stopping ??= (async () => {
      try {
        await killUntilGone(finder, { what: 'every process warren started', timeoutMs: options.timeoutMs ?? EXIT_WAIT_MS });
        groups.clear();
        return undefined;
      } catch (error) {
        if (error instanceof ProcessesRemainError) return error;
        throw error;
      } finally {
        removeDirectories();
        runs.clear();
      }
    })();
    return stopping;
  },
};

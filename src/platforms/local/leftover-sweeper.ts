import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../common/errors.js';
import { killUntilGone, rememberingFinder } from './kill-until-gone.js';
import { OWNER_VARIABLE, RUN_LABEL_VARIABLE } from './process-labels.js';
import { environmentValue, isZombie, listProcesses } from './process-table.js';
import { isOwnerAlive, parseOwner, readOwnerFile, type RunOwner } from './run-owner.js';

/** A run left alone because the warren process that owns it still runs. */
export interface LiveRun {
  /** The run's label: `<run id>-<method>`. */
  label: string;
  owner: RunOwner;
}

export interface SweepResult {
  /** The pids killed; every one of them is gone when the sweep returns. */
  processes: number[];
  /** The run directories removed. */
  directories: string[];
  /** The runs left untouched because their owner is alive, each once, sorted by label. */
  liveRuns: LiveRun[];
}

export interface SweepOptions {
  /** Where run directories are; default: the OS temp dir. */
  baseDir?: string;
  /**
   * What to do with a matching run whose owner is alive: 'skip' it and report it in `liveRuns` (default), or
   * 'refuse' the whole sweep before touching anything.
   */
  whenOwnerAlive?: 'skip' | 'refuse';
  /** How long, in ms, the killed processes may take to leave the process table. Default 10_000. */
  timeoutMs?: number;
}

/** `cleanup --run` named a run whose owner is still running: nothing was touched. */
export class RunStillOwnedError extends UsageError {
  override name = 'RunStillOwnedError';
  constructor(readonly liveRuns: readonly LiveRun[]) {
    const owners = [...new Set(liveRuns.map((run) => run.owner.pid))].join(', ');
    super(`run ${liveRuns.map((run) => run.label).join(', ')} is still running (owner: warren pid ${owners}); stop that warren first (Ctrl-C), then clean up`);
  }
}

/** A run directory's name: `warren-` then the run label, `<8 hex digits>[-<method>]`. Nothing else is touched. */
const RUN_DIRECTORY = /^warren-([0-9a-f]{8}(?:-[a-z0-9][a-z0-9-]*)?)$/;

/**
 * Finds what warren runs left on this host (after a crash, a SIGKILL of warren itself, or --keep) and removes
 * it: every process carrying a matching run label (RUN_LABEL_VARIABLE) is SIGKILLed, and the sweep waits until
 * none of them is left in the process table; every matching run directory `warren-<label>` is removed. A run
 * whose owner (OWNER_VARIABLE, the directory's owner file) is still alive is never touched. A process or a
 * directory that names no owner (from an older warren) counts as ownerless, so it is swept.
 * @param runId a run id (matches the run and each of its drills, `<id>-<method>`), a drill's full label, or 'all'
 * @throws RunStillOwnedError with `whenOwnerAlive: 'refuse'` when a matching run's owner is alive (nothing touched)
 * @throws ProcessesRemainError when a killed process is still there after `timeoutMs`
 */
export async function sweepLeftovers(runId: string | 'all', options: SweepOptions = {}): Promise<SweepResult> {
  const { baseDir = tmpdir(), whenOwnerAlive = 'skip', timeoutMs = 10_000 } = options;
  const matches = (label: string) => runId === 'all' || label === runId || label.startsWith(`${runId}-`);
  const live = new Map<string, RunOwner>();

  const doomed = new Map<number, string>();
  for (const entry of listProcesses()) {
    if (entry.pid === process.pid || isZombie(entry)) continue;
    const label = environmentValue(entry.pid, RUN_LABEL_VARIABLE);
    if (label === undefined || !matches(label)) continue;
    const owner = parseOwner(environmentValue(entry.pid, OWNER_VARIABLE));
    if (owner && isOwnerAlive(owner)) live.set(label, owner);
    else doomed.set(entry.pid, label);
  }

  const directories: { dir: string; label: string }[] = [];
  for (const entry of await readdir(baseDir).catch(() => [] as string[])) {
    const label = RUN_DIRECTORY.exec(entry)?.[1];
    if (label === undefined || !matches(label)) continue;
    const dir = join(baseDir, entry);
    const owner = await readOwnerFile(dir);
    if (owner && isOwnerAlive(owner)) live.set(label, owner);
    else directories.push({ dir, label });
  }

  const liveRuns = [...live].map(([label, owner]) => ({ label, owner })).sort((a, b) => a.label.localeCompare(b.label));
  if (liveRuns.length > 0 && whenOwnerAlive === 'refuse') throw new RunStillOwnedError(liveRuns);

  // A run is one owner: processes of a live run that named no owner are not told apart from it, so they stay too.
  for (const [pid, label] of doomed) if (live.has(label)) doomed.delete(pid);
  const doomedLabels = new Set(doomed.values());
  const runProcesses = rememberingFinder((entry) => {
    if (doomed.has(entry.pid)) return true;
    // Anything such a run starts meanwhile (a pod's restart loop whose owner just died) goes too.
    const label = environmentValue(entry.pid, RUN_LABEL_VARIABLE);
    return label !== undefined && doomedLabels.has(label);
  });
  await killUntilGone(runProcesses, { what: `leftover processes of ${runId === 'all' ? 'every ownerless run' : `run ${runId}`}`, timeoutMs });

  const removed = directories.filter(({ label }) => !live.has(label)).map(({ dir }) => dir);
  for (const dir of removed) await rm(dir, { recursive: true, force: true });
  return { processes: [...doomed.keys()], directories: removed, liveRuns };
}

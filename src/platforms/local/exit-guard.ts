import { rmSync } from 'node:fs';

/**
 * The last line of defence when warren exits without a teardown (a second Ctrl-C, a crash): kill every
 * process group it started and remove every run directory it created. Only synchronous work is possible
 * in an exit handler, which is all this needs. A --keep run releases its cluster from the guard.
 */
const groups = new Set<number>();
const directories = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export const exitGuard = {
  watchGroup(pgid: number): void {
    install();
    groups.add(pgid);
  },
  forgetGroup(pgid: number): void {
    groups.delete(pgid);
  },
  watchDirectory(dir: string): void {
    install();
    directories.add(dir);
  },
  forgetDirectory(dir: string): void {
    directories.delete(dir);
  },
  /** For --keep: warren exits, the kept cluster lives on. */
  releaseAll(): void {
    groups.clear();
    directories.clear();
  },
};

import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalGroup } from './exit-guard.js';

export interface SweepResult {
  processes: number[];
  directories: string[];
}

/**
 * Finds what a warren run left on this host (after a crash or SIGKILL of warren itself) by its label: every
 * process warren starts carries WARREN_RUN_ID in its environment, every run directory is warren-<run id>.
 * Touches nothing else.
 */
export async function sweepLeftovers(runId: string | 'all', baseDir = tmpdir()): Promise<SweepResult> {
  const matches = (id: string) => runId === 'all' || id === runId || id.startsWith(`${runId}-`);
  const processes: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const label = environ.split('\0').find((pair) => pair.startsWith('WARREN_RUN_ID='));
    if (label && matches(label.slice('WARREN_RUN_ID='.length))) processes.push(Number(entry));
  }
  for (const pid of processes) {
    signalGroup(pid, 'SIGKILL');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const directories: string[] = [];
  for (const entry of await readdir(baseDir).catch(() => [] as string[])) {
    if (!entry.startsWith('warren-') || !matches(entry.slice('warren-'.length))) continue;
    const dir = join(baseDir, entry);
    await rm(dir, { recursive: true, force: true });
    directories.push(dir);
  }
  return { processes, directories };
}

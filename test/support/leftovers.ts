import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/** Processes whose environment carries warren's run label, optionally for one run id (prefix). */
export async function labelledProcesses(runIdPrefix = ''): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const label = environ.split('\0').find((pair) => pair.startsWith('WARREN_RUN_ID='));
    if (!label || !label.slice('WARREN_RUN_ID='.length).startsWith(runIdPrefix)) continue;
    // A zombie has exited already; it only waits for its parent to reap it.
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (/\) Z /.test(stat)) continue;
    pids.push(Number(entry));
  }
  return pids;
}

export async function runDirectories(runIdPrefix = ''): Promise<string[]> {
  return (await readdir(tmpdir())).filter((entry) => entry.startsWith(`warren-${runIdPrefix}`));
}

/** The run labels of every labelled process: a pod restarting in some other run keeps its label. */
export async function labelledRuns(): Promise<Set<string>> {
  const runs = new Set<string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const label = environ.split('\0').find((pair) => pair.startsWith('WARREN_RUN_ID='));
    if (label) runs.add(label.slice('WARREN_RUN_ID='.length));
  }
  return runs;
}

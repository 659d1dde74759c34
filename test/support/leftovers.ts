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

/** `warren-<run id>…` directories in `baseDir` (default: the temp dir, shared with every other run on the machine). */
export async function runDirectories(runIdPrefix = '', baseDir = tmpdir()): Promise<string[]> {
  return (await readdir(baseDir)).filter((entry) => entry.startsWith(`warren-${runIdPrefix}`));
}

/** The live (not zombie) child processes of `pid`: what a command run in this process started and left running. */
export async function childProcesses(pid = process.pid): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
  }
  return children;
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

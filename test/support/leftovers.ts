import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * One row of the process table, read by the tests themselves: an oracle that does not share warren's own /proc
 * code (src/platforms/local/process-table.ts), so a bug there cannot blind the tests that judge it.
 */
export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D, T, Z (zombie: exited, not yet reaped), … */
  state: string;
  /** Clock ticks since boot: with the pid, it names one process for good. */
  startTime: number;
  comm: string;
}

/** The process `pid` now, or undefined when the table has no such process. */
export function processRow(pid: number): ProcessRow | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid,
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: Number(fields[19]),
  };
}

/** Every process whose environment has `name=value` (a zombie's environment reads empty: it is not found). */
export function processesWithEnv(name: string, value: (found: string) => boolean): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ = '';
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    const pair = environ.split('\0').find((p) => p.startsWith(`${name}=`));
    if (pair === undefined || !value(pair.slice(name.length + 1))) continue;
    const row = processRow(Number(entry));
    if (row) rows.push(row);
  }
  return rows;
}

/** The very process `row` named is still in the table (alive or a zombie). */
export function stillThere(row: { pid: number; startTime: number }): ProcessRow | undefined {
  const now = processRow(row.pid);
  return now && now.startTime === row.startTime ? now : undefined;
}

/**
 * Watches the processes of one run while it goes on (polling /proc every 100 ms), so that one that has become
 * a zombie since (no environment, cwd or command line any more: a scan at exit cannot tell whose it is) is
 * still known for what it was. `leftNow()` is synchronous, for a child's 'exit' handler: it is the moment of
 * exit that counts, not a second later.
 */
export class RunProcessWatch {
  readonly #seen = new Map<number, ProcessRow & { what: string }>();
  readonly #timer: NodeJS.Timeout;

  /** `belongs(pid)` tells whether a live process is the run's (by its label, its cwd or its command line). */
  constructor(private readonly belongs: (pid: number) => string | undefined) {
    this.#timer = setInterval(() => this.#look(), 100);
  }

  /** Every process of the run in the table now: known ones still there (zombies too), and live ones found now. */
  leftNow(): string[] {
    this.#look();
    const left: string[] = [];
    for (const row of this.#seen.values()) {
      const now = stillThere(row);
      if (now) left.push(`${now.pid} ${row.what} (state ${now.state}, parent ${now.ppid})`);
    }
    return left;
  }

  /** How many processes of the run were seen in all. */
  get seen(): number {
    return this.#seen.size;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #look(): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const pid = Number(entry);
      const known = this.#seen.get(pid);
      const row = processRow(pid);
      if (!row || (known && known.startTime === row.startTime)) continue;
      const what = this.belongs(pid);
      if (what !== undefined) this.#seen.set(pid, { ...row, what });
    }
  }
}

/**
 * Mount points (from /proc/self/mountinfo, field 5, octal escapes decoded) at or below `prefix`, or named
 * `warren-image`/`warren-layer` (the sources warren's image mounts use): what a run would leave mounted on the host.
 */
export function mountsUnder(prefix: string): string[] {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  return mountinfo
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      const fields = line.split(' ');
      const point = fields[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
      const source = fields[fields.indexOf('-') + 2] ?? '';
      return point === prefix || point.startsWith(`${prefix}/`) || source === 'warren-image' || source === 'warren-layer';
    });
}

import { readdirSync, readFileSync } from 'node:fs';

/**
 * One process as the kernel's process table (/proc/<pid>/stat) shows it. A zombie (state `Z`) has exited
 * and waits for its parent to reap it: it still has a pid, a group and a name, but no environment, cwd or
 * command line.
 */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Session id. */
  sid: number;
  /** One letter: R running, S sleeping, D disk wait, T stopped, Z zombie, X dead, … */
  state: string;
  /** Start time in clock ticks since boot (field 22 of stat): with the pid, it names one process for good. */
  startTime: number;
  /** The executable's name, at most 15 characters. */
  comm: string;
}

/** A pid and its start time: a pid reused by a later process has another start time. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** The process `pid` as /proc shows it now; undefined if there is no such process (or /proc is not there). */
export function readProcess(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStat(stat);
}

/** Every process in the table now (an empty list where /proc is not there). */
export function listProcesses(): ProcessEntry[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const processes: ProcessEntry[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const process = readProcess(Number(entry));
    if (process) processes.push(process);
  }
  return processes;
}

/**
 * One variable of the process's environment (as it was at exec), or undefined: not set, the process is gone
 * or a zombie (a zombie's environment reads empty), or it belongs to a user we may not read.
 */
export function environmentValue(pid: number, name: string): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  for (const pair of environ.split('\0')) if (pair.startsWith(prefix)) return pair.slice(prefix.length);
  return undefined;
}

/** True when `entry` has exited and only waits to be reaped. */
export function isZombie(entry: ProcessEntry): boolean {
  return entry.state === 'Z' || entry.state === 'X';
}

/** True when the very process `identity` names is still in the table (alive or a zombie). */
export function isPresent(identity: ProcessIdentity): boolean {
  return readProcess(identity.pid)?.startTime === identity.startTime;
}

/** True when the very process `identity` names still runs: present and not a zombie. */
export function isAlive(identity: ProcessIdentity): boolean {
  const entry = readProcess(identity.pid);
  return entry !== undefined && entry.startTime === identity.startTime && !isZombie(entry);
}

/** `4242 beam.smp (zombie)`: how a process is named in an error message. */
export function describeProcess(entry: ProcessEntry): string {
  return `${entry.pid} ${entry.comm}${isZombie(entry) ? ` (zombie of ${entry.ppid === 1 ? 'PID 1' : `pid ${entry.ppid}`})` : ''}`;
}

function parseStat(stat: string): ProcessEntry | undefined {
  // The name is in parentheses and may itself hold spaces and parentheses: the fields follow the LAST ')'.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const field = (index: number) => Number(fields[index]);
  return {
    pid: Number(stat.slice(0, open).trim()),
    comm: stat.slice(open + 1, close),
    state: fields[0] ?? '?',
    ppid: field(1),
    pgid: field(2),
    sid: field(3),
    startTime: field(19),
  };
}

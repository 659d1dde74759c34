import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EnvironmentError } from '../../common/errors.js';
import { isAlive, readProcess, type ProcessIdentity } from './process-table.js';

/**
 * The warren process that owns a run: its pid and that process's start time, so that a pid the kernel has
 * since given to another process does not count as the owner. Recorded in every process of the run
 * (OWNER_VARIABLE) and in the run directory (OWNER_FILE); `warren cleanup` leaves a run alone while its owner
 * lives.
 */
export type RunOwner = ProcessIdentity;

/** The name of the owner file in a run directory. */
export const OWNER_FILE = 'warren-owner';

/**
 * This process, as an owner.
 * @throws EnvironmentError when /proc cannot tell this process's start time (not Linux).
 */
export function currentOwner(): RunOwner {
  const self = readProcess(process.pid);
  if (!self) throw new EnvironmentError('local platform: /proc/self/stat is not readable (Linux only)');
  return { pid: self.pid, startTime: self.startTime };
}

/** `4242:1234567`: pid, then start time in clock ticks since boot. */
export function formatOwner(owner: RunOwner): string {
  return `${owner.pid}:${owner.startTime}`;
}

/** The owner in `text` (as formatOwner writes it), or undefined when there is none or it is malformed. */
export function parseOwner(text: string | undefined): RunOwner | undefined {
  const match = /^(\d+):(\d+)$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  return { pid: Number(match[1]), startTime: Number(match[2]) };
}

/** True while that very process runs (a zombie or a reused pid is not the owner). */
export function isOwnerAlive(owner: RunOwner | undefined): boolean {
  return owner !== undefined && isAlive(owner);
}

/** The owner recorded in run directory `dir`, or undefined (no file, unreadable or malformed). */
export async function readOwnerFile(dir: string): Promise<RunOwner | undefined> {
  return parseOwner(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => undefined));
}

/**
 * Creates the run directory `dir` (mode 700) with its owner file already inside: it is written in a staging
 * directory beside it (named `.<name>-*`, which no sweep matches) that is then renamed into place, so no one
 * ever sees the run directory without its owner.
 * @throws Error (EEXIST, ENOTEMPTY, …) when `dir` exists already or cannot be created.
 */
export async function createOwnedDirectory(dir: string, owner: RunOwner): Promise<void> {
  const staging = await mkdtemp(join(dirname(dir), `.${basename(dir)}-`));
  try {
    await writeFile(join(staging, OWNER_FILE), `${formatOwner(owner)}\n`);
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

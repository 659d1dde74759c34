import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../common/errors.js';

/** A report directory that exists and takes files, made by {@link prepareReportDirectory}. */
export interface ReportDirectory {
  /** Absolute path. */
  readonly path: string;
  /** The directories this call created, outermost first; empty when `path` existed already. */
  readonly created: readonly string[];
  /** Removes the directories this call created, innermost first, while they are still empty; never throws. */
  discard(): Promise<void>;
}

/**
 * Makes sure `dir` (relative to the working directory) is a directory warren can write its reports in, before
 * anything is started, so that a bad `--report-dir` is a usage error (exit 2) and not a broken run after minutes.
 *
 * It never calls a recursive mkdir: Node's loops for ever under /proc (mkdir there fails with ENOENT although
 * the parent exists, and the recursive variant retries). Instead it walks up to the nearest existing ancestor,
 * which must be a directory, creates each missing component with a plain mkdir, and writes and removes a probe
 * file. On failure whatever it created is removed again.
 *
 * @param option the flag to name in messages (`--report-dir`).
 * @throws UsageError (one line) when `dir` is empty or blank, exists and is not empty (reports of two runs must not
 *   mix), or it or an ancestor is not a directory, cannot be created, or cannot be written to.
 */
export async function prepareReportDirectory(dir: string, option = '--report-dir'): Promise<ReportDirectory> {
  const fail = (what: string, error?: unknown) => new UsageError(`${option} ${JSON.stringify(dir)}: ${what}${error === undefined ? '' : ` (${code(error)})`}`);
  // An empty or blank value is a script's unset variable, never a place for reports (it would mean the working dir).
  if (dir.trim() === '') throw fail('is empty: name the directory the reports go to');
  if (/[\n\r\0]/.test(dir)) throw fail('contains a line break or NUL');
  const path = resolve(dir);

  const missing: string[] = [];
  let existing = path;
  for (;;) {
    try {
      if (!(await stat(existing)).isDirectory()) throw fail(`${existing} exists and is not a directory`);
      // Reports of two runs must never mix (a stale report.json or a method's old logs beside the new ones).
      if (existing === path && (await readdir(path)).length > 0) throw fail(`${path} is not empty: give a new or empty directory (reports of different runs must not mix)`);
      break;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const reason = code(error);
      if (reason !== 'ENOENT' && reason !== 'ENOTDIR') throw fail(`cannot look at ${existing}`, error);
      const parent = dirname(existing);
      if (parent === existing) throw fail(`no existing ancestor`, error);
      missing.unshift(existing);
      existing = parent;
    }
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw fail(`${existing} is not writable`, error);
  }

  const created: string[] = [];
  const discard = async () => {
    for (const made of [...created].reverse()) await rmdir(made).catch(() => undefined);
  };
  try {
    for (const component of missing) {
      try {
        await mkdir(component); // one level: cannot loop
        created.push(component);
      } catch (error) {
        // Made by someone else meanwhile: fine if it is a directory (it is not ours to remove).
        if (code(error) === 'EEXIST' && (await isDirectory(component))) continue;
        throw fail(`cannot create ${component}`, error);
      }
    }
    const probe = join(path, `.warren-write-probe-${process.pid}`);
    try {
      await (await open(probe, 'wx')).close();
      await unlink(probe);
    } catch (error) {
      throw fail(`cannot write in ${path}`, error);
    }
  } catch (error) {
    await discard();
    throw error;
  }
  return { path, created, discard };
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((found) => found.isDirectory(), () => false);
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

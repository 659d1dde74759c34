import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '../core/journal.js';

/** The journal as it is: the contract other tools read (design §4). Pretty-printed, so a diff of two runs reads well. */
export function renderJson(report: RunReport): string {
  // Check observations are `unknown`: a bigint there must not make the whole report unwritable.
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`;
}

/** Writes DIR/report.json and returns its path. DIR must exist (see writeReports). */
export async function writeJsonReport(report: RunReport, dir: string): Promise<string> {
  const path = join(dir, 'report.json');
  await writeFile(path, renderJson(report), 'utf8');
  return path;
}

import { mkdir } from 'node:fs/promises';
import { HarnessError } from '../common/errors.js';
import type { RunReport } from '../core/journal.js';
import { writeJsonReport } from './json-reporter.js';
import { writeJunitReport } from './junit-reporter.js';
import { writeMarkdownReport } from './markdown-reporter.js';

/**
 * Writes DIR/report.json, DIR/report.md and DIR/junit.xml (creating DIR) and returns their paths in that order.
 * Every writer is tried even when another fails, so a bug in one renderer never costs the JSON contract.
 */
export async function writeReports(report: RunReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const writers = [writeJsonReport, writeMarkdownReport, writeJunitReport];
  const results = await Promise.allSettled(writers.map((write) => write(report, dir)));
  const paths: string[] = [];
  const failures: unknown[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') paths.push(result.value);
    else failures.push(result.reason);
  }
  if (failures.length > 0) {
    const written = paths.length > 0 ? ` (written: ${paths.join(', ')})` : '';
    throw new HarnessError(`report: write ${failures.length} of ${writers.length} reports to ${dir} failed${written}`, { cause: failures[0] });
  }
  return paths;
}

import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';

/** A check's judgement: `reason` says, in one line, why it failed (kept in report.json and report.md). */
export interface Verdict {
  ok: boolean;
  reason?: string;
}

/** A check observes (plain, serialisable data) and then evaluates; a deviation is data, never an exception. */
export interface Check<T> {
  readonly name: string;
  observe(context: DrillContext): Promise<T>;
  evaluate(observation: T): Verdict;
}

/**
 * Observes, evaluates and records a check.
 * @returns the record for report.json (`name`, `ok`, `reason`, the observation) and the observation itself.
 * @throws whatever `observe` throws (a check that cannot observe is not a failed check).
 */
export async function runCheck<T>(check: Check<T>, context: DrillContext): Promise<{ record: CheckRecord; observation: T }> {
  const observation = await check.observe(context);
  const verdict = check.evaluate(observation);
  const record: CheckRecord = { name: check.name, ok: verdict.ok, observation };
  if (verdict.reason !== undefined) record.reason = verdict.reason;
  return { record, observation };
}

import type { MethodReport } from './journal.js';

/** Did the method meet its hypothesis? A wrong outcome, a missing expected diagnosis or a failed check says no. */
export function judge(report: MethodReport): void {
  const failing = report.checks.filter((check) => !check.ok);
  const { diagnosis } = report.expected;
  if (report.outcome !== report.expected.outcome) {
    report.passed = false;
    const detail = report.outcome === 'recovered' ? 'the cluster came back' : report.reason ?? '';
    report.reason = `expected ${report.expected.outcome}, got ${report.outcome}: ${detail}`;
    return;
  }
  if (report.outcome === 'not-recovered' && diagnosis && !report.diagnoses.some((found) => found.signature === diagnosis)) {
    report.passed = false;
    report.reason = `expected not-recovered because of ${diagnosis}, but no ${diagnosis} was diagnosed: ${report.reason ?? ''}`;
    return;
  }
  if (report.outcome === 'recovered' && failing.length > 0) {
    report.passed = false;
    report.reason = failing.map((check) => `${check.name}: ${check.reason}`).join('; ');
    return;
  }
  report.passed = true;
}

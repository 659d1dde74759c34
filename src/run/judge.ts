import { expectationFor, type MethodReport } from '../core/journal.js';

/** Did the method meet its hypothesis? A wrong outcome, a missing expected diagnosis or a failed check says no. */
export function judge(report: MethodReport): void {
  const failing = report.checks.filter((check) => !check.ok);
  // A race is judged by the branch of what happened; anything but recovered is held to its stays-down branch.
  const expected = expectationFor(report.expected, report.outcome);
  if (report.outcome !== expected.outcome) {
    report.passed = false;
    const detail = report.outcome === 'recovered' ? 'the cluster came back' : report.reason ?? '';
    report.reason = `expected ${expected.outcome}, got ${report.outcome}: ${detail}`;
    return;
  }
  if (expected.outcome === 'not-recovered') {
    const missing = expected.diagnoses.filter((name) => !report.diagnoses.some((found) => found.signature === name));
    if (missing.length > 0) {
      report.passed = false;
      const seen = report.diagnoses.map((found) => found.signature);
      report.reason = `expected not-recovered because of ${expected.diagnoses.join(' + ')}, but ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not diagnosed (found: ${seen.join(', ') || 'nothing'}): ${report.reason ?? ''}`;
      return;
    }
  }
  if (report.outcome === 'recovered' && failing.length > 0) {
    report.passed = false;
    report.reason = failing.map((check) => `${check.name}: ${check.reason}`).join('; ');
    return;
  }
  report.passed = true;
}

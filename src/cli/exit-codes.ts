import type { RunOutcome } from '../core/journal.js';

/**
 * Exit codes (design §4): CI tells a finding in RabbitMQ apart from a broken harness. An interrupted run exits
 * 128 + the signal's number: 130 (SIGINT), 143 (SIGTERM), 129 (SIGHUP); see `interrupts.ts`.
 */
export const EXIT = { passed: 0, finding: 1, usage: 2, harness: 3, interrupted: 130 } as const;

/** The exit-code table every command's `--help` ends with (the README's "Exit codes" in a terminal's words). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  `  ${EXIT.passed}    done: every method met its expectation (list, cleanup: done)`,
  `  ${EXIT.finding}    a finding: at least one method did not meet its expectation (read the report)`,
  `  ${EXIT.usage}    bad usage or input: nothing was started`,
  `  ${EXIT.harness}    the environment or warren itself failed (missing binary, could not provision)`,
  `  ${EXIT.interrupted}  interrupted (Ctrl-C); everything was cleaned up (143 for SIGTERM, 129 for SIGHUP)`,
].join('\n');

/** The exit code for a run's outcome: passed 0, deviated (a finding) 1, error (harness) 3, interrupted 130. */
export function exitCodeForOutcome(outcome: RunOutcome): number {
  switch (outcome) {
    case 'passed':
      return EXIT.passed;
    case 'deviated':
      return EXIT.finding;
    case 'interrupted':
      return EXIT.interrupted;
    case 'error':
      return EXIT.harness;
  }
}

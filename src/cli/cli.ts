import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { errorMessage, UsageError } from '../common/errors.js';
import { Redactor } from '../common/secrets.js';
import { sweepLeftovers } from '../platforms/local/leftover-sweeper.js';
import { createPlatform } from '../platforms/platforms.js';
import { writeReports } from '../report/reporters.js';
import { RunEvents } from '../run/events.js';
import { runScenario } from '../run/runner.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { ProgressPrinter } from './progress-printer.js';
import { parseScenarioArgs, type ScenarioArgs } from './scenario-args.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { Platform } from '../platforms/platform.js';
import type { RunOutcome } from '../run/journal.js';

/** Exit codes (design §4): CI tells a finding in RabbitMQ apart from a broken harness. */
export const EXIT = { passed: 0, finding: 1, usage: 2, harness: 3, interrupted: 130 } as const;

const COMMANDS = 'scenario <name>, list, cleanup [--run ID | --all]';

/** The whole CLI as a function (tests call it with their own scenario registry); resolves with the exit code. */
export async function runCli(argv: string[], scenarios: ReadonlyMap<string, Scenario> = SCENARIOS): Promise<number> {
  try {
    return await dispatch(argv, scenarios);
  } catch (error) {
    // One line, never a stack trace; the debug log and report.json keep the details.
    process.stderr.write(`warren: ${errorMessage(error)}\n`);
    return exitCodeFor(error);
  }
}

async function dispatch(argv: string[], scenarios: ReadonlyMap<string, Scenario>): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'scenario':
      return scenarioCommand(rest, scenarios);
    case 'list':
      return listCommand(scenarios);
    case 'cleanup':
      return cleanupCommand(rest);
    default:
      throw new UsageError(`unknown command "${command ?? ''}"; valid: ${COMMANDS}`);
  }
}

async function scenarioCommand(argv: string[], scenarios: ReadonlyMap<string, Scenario>): Promise<number> {
  const args = parseScenarioArgs(argv, scenarios);
  const redactor = new Redactor();
  const platform = createPlatform(args.platform, { redactor });
  await platform.preflight();

  const controller = new AbortController();
  setMaxListeners(1_000, controller.signal);
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C reaches us twice (the terminal signals the whole group, and npm/tsx relay it): a second
    // signal counts only when it comes later, as a deliberate second press.
    if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 1_000) return;
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      process.stderr.write(`\n${signal}: stopping, cleaning up (again to quit at once)…\n`);
      controller.abort();
    } else {
      process.exit(EXIT.interrupted); // the exit guard still kills every process and removes every run dir
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runAndReport(args, platform, controller.signal, redactor);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runAndReport(args: ScenarioArgs, platform: Platform, signal: AbortSignal, redactor: Redactor): Promise<number> {
  const runId = randomBytes(4).toString('hex');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const reportDir = resolve(args.reportDir ?? join('reports', `${stamp}-${args.scenario.name}`));
  const events = new RunEvents();
  new ProgressPrinter({ stream: process.stdout, isTTY: Boolean(process.stdout.isTTY) }).attach(events);

  console.log(`run ${runId}: reports in ${reportDir}`);
  const { report, keptAccess } = await runScenario({ ...args, platform, runId, reportDir, signal, events, redactor });
  await writeReports(report, reportDir);
  console.log(`${report.outcome.toUpperCase()}: ${report.scenario} on ${report.platform} in ${(report.durationMs / 1000).toFixed(1)} s; report: ${reportDir}`);
  if (keptAccess.length > 0) console.log(['kept (--keep):', ...keptAccess].join('\n'));
  return exitCodeForOutcome(report.outcome);
}

export function exitCodeForOutcome(outcome: RunOutcome): number {
  switch (outcome) {
    case 'passed':
      return EXIT.passed;
    case 'failed':
      return EXIT.finding;
    case 'interrupted':
      return EXIT.interrupted;
    case 'error':
      return EXIT.harness;
  }
}

function listCommand(scenarios: ReadonlyMap<string, Scenario>): number {
  for (const scenario of scenarios.values()) {
    console.log(`${scenario.name}: ${scenario.description}`);
    console.log(`  fault ${scenario.fault.name}: ${scenario.fault.description}`);
    for (const { recovery, expected } of scenario.methods) {
      const messages = expected.messages ? `, messages ${expected.messages}` : '';
      console.log(`  ${recovery.name.padEnd(18)} expected ${expected.outcome}${messages} — ${recovery.description}`);
    }
  }
  return EXIT.passed;
}

async function cleanupCommand(argv: string[]): Promise<number> {
  const [flag, value] = argv;
  let target: string;
  if (flag === '--all' && value === undefined) target = 'all';
  else if (flag === '--run' && value && /^[\w-]+$/.test(value)) target = value;
  else throw new UsageError('usage: npm run warren -- cleanup --run <run id> | --all');
  const swept = await sweepLeftovers(target);
  console.log(`killed ${swept.processes.length} process(es), removed ${swept.directories.length} run director${swept.directories.length === 1 ? 'y' : 'ies'}`);
  return EXIT.passed;
}

function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? EXIT.usage : EXIT.harness;
}


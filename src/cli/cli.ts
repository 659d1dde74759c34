import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { errorMessage, toErrorRecord, UsageError } from '../common/errors.js';
import { Redactor } from '../common/secrets.js';
import { execaRunner } from '../platforms/kind/command-runner.js';
import { KindCli } from '../platforms/kind/kind-cli.js';
import { sweepKindClusters } from '../platforms/kind/kind-sweeper.js';
import { sweepLeftovers } from '../platforms/local/leftover-sweeper.js';
import { createPlatform } from '../platforms/platforms.js';
import { matrixRun, renderMatrixJson, scenarioSlug, writeMatrix, type MatrixRun } from '../report/matrix-reporter.js';
import { writeReports } from '../report/reporters.js';
import { RunEvents } from '../run/events.js';
import { runScenario, WARREN_VERSION } from '../run/runner.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { listenForInterrupts } from './interrupts.js';
import { ProgressPrinter } from './progress-printer.js';
import { parseScenarioArgs, type ScenarioArgs, type ScenarioRun } from './scenario-args.js';
import { scenarioLabel, withVariants, type Scenario } from '../scenarios/scenario.js';
import type { Platform } from '../platforms/platform.js';
import type { Expectation, RunOutcome, RunReport } from '../run/journal.js';

/**
 * Exit codes (design §4): CI tells a finding in RabbitMQ apart from a broken harness. An interrupted run exits
 * 128 + the signal's number: 130 (SIGINT) here, 143 (SIGTERM) and 129 (SIGHUP) through Interrupts.exitCode.
 */
export const EXIT = { passed: 0, finding: 1, usage: 2, harness: 3, interrupted: 130 } as const;

const COMMANDS = 'scenario <name>|all, list, cleanup [--platform local|kind] [--run ID | --all]';

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
  const runId = newRunId();
  const platform = createPlatform(args.platform, { redactor, runId, kind: args.kind });
  await platform.preflight();

  const interrupts = listenForInterrupts();
  try {
    const env = { platform, signal: interrupts.signal, redactor };
    return interrupts.exitCode(args.all ? await runMatrix(args, env) : await runAndReport(args, env, runId));
  } finally {
    await platform.close?.().catch((error) => process.stderr.write(`warren: closing the ${platform.name} platform: ${errorMessage(error)}\n`));
    interrupts.stop();
  }
}

/** What every run of one CLI invocation shares: the platform, Ctrl-C, and the secrets to keep out of logs. */
interface RunEnvironment {
  platform: Platform;
  signal: AbortSignal;
  redactor: Redactor;
}

/** A named scenario: reports in --report-dir or reports/<stamp>-<name>. */
async function runAndReport(args: ScenarioArgs, env: RunEnvironment, runId: string): Promise<number> {
  const run = args.runs[0]!; // a named scenario is exactly one run
  const reportDir = resolve(args.reportDir ?? join('reports', `${timestamp()}-${run.scenario.name}`));
  const report = await runOne(args, run, env, { runId, reportDir });
  return exitCodeForOutcome(report.outcome);
}

/**
 * `all`: every scenario and variant one after another (they share the machine's cores), each with its usual
 * reports in <base>/<slug>, then matrix.md and matrix.json in <base>. After Ctrl-C no further scenario starts.
 */
async function runMatrix(args: ScenarioArgs, env: RunEnvironment): Promise<number> {
  const baseDir = resolve(args.reportDir ?? join('reports', `${timestamp()}-all`));
  console.log(`matrix: ${args.runs.length} scenarios (${args.runs.map((run) => scenarioLabel(run.scenario)).join(', ')}); reports in ${baseDir}`);
  const finished: MatrixRun[] = [];
  for (const run of args.runs) {
    if (env.signal.aborted) break;
    const report = await runOneOfMatrix(args, run, env, join(baseDir, scenarioSlug(run.scenario)));
    finished.push(matrixRun(run.scenario, report));
  }
  const notRun = args.runs.slice(finished.length).map((run) => scenarioLabel(run.scenario));
  const [matrixPath] = await writeMatrix(finished, baseDir, { notRun });
  const { outcome, durationMs } = renderMatrixJson(finished, { notRun });
  console.log(`MATRIX ${outcome.toUpperCase()}: ${finished.length} scenarios in ${(durationMs / 1000).toFixed(1)} s; matrix: ${matrixPath}`);
  return exitCodeForOutcome(outcome);
}

/** A run that breaks warren itself must not cost the rest of the matrix: it becomes an error row, and the matrix goes on. */
async function runOneOfMatrix(args: ScenarioArgs, run: ScenarioRun, env: RunEnvironment, reportDir: string): Promise<RunReport> {
  const label = scenarioLabel(run.scenario);
  const runId = newRunId();
  const startedAt = new Date();
  try {
    return await runOne(args, run, env, { runId, reportDir, label });
  } catch (error) {
    process.stderr.write(`warren: ${label}: ${errorMessage(error)}\n`);
    const report = brokenRunReport(args, run, { runId, platform: env.platform, startedAt, error, interrupted: env.signal.aborted });
    await writeReports(report, reportDir).catch(() => undefined); // best effort: the same failure may strike again
    printResult(report, label, reportDir);
    return report;
  }
}

/** Runs one scenario with live progress, writes its reports and prints its one-line result. */
async function runOne(args: ScenarioArgs, run: ScenarioRun, env: RunEnvironment, target: { runId?: string; reportDir: string; label?: string }): Promise<RunReport> {
  const { runId = newRunId(), reportDir, label } = target;
  const events = new RunEvents();
  new ProgressPrinter({ stream: process.stdout, isTTY: Boolean(process.stdout.isTTY) }).attach(events);

  console.log(`run ${runId}: ${label === undefined ? '' : `${label}, `}reports in ${reportDir}`);
  const { report, keptAccess } = await runScenario({ ...args, ...run, ...env, runId, reportDir, events });
  await writeReports(report, reportDir);
  printResult(report, label ?? report.scenario, reportDir);
  if (keptAccess.length > 0) console.log(['kept (--keep):', ...keptAccess].join('\n'));
  return report;
}

/** `PASSED: full-shutdown on local in 312.4 s; report: DIR`. */
function printResult(report: RunReport, label: string, reportDir: string): void {
  console.log(`${report.outcome.toUpperCase()}: ${label} on ${report.platform} in ${(report.durationMs / 1000).toFixed(1)} s; report: ${reportDir}`);
}

function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** The journal of a run that threw instead of returning one: no methods, just the error. */
function brokenRunReport(
  args: ScenarioArgs,
  run: ScenarioRun,
  broken: { runId: string; platform: Platform; startedAt: Date; error: unknown; interrupted: boolean },
): RunReport {
  const { runId, platform, startedAt, error, interrupted } = broken;
  const endedAt = new Date();
  return {
    tool: { name: 'warren', version: WARREN_VERSION },
    runId,
    scenario: run.scenario.name,
    description: run.scenario.description,
    platform: platform.name,
    rabbitmq: { version: null, metadataStore: null },
    nodes: args.nodes,
    startPolicy: args.startPolicy,
    settings: { tableWait: args.tableWait, messagesPerQueue: args.messagesPerQueue, recoveryTimeoutMs: args.recoveryTimeoutMs },
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    outcome: interrupted ? 'interrupted' : 'error', // Ctrl-C during setup is not a broken harness
    methods: [],
    error: toErrorRecord(error),
  };
}

/** `20250102T030405`: report directories sort by time. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
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

/** Every scenario and variant with its fault and each method's expectation, then how to run them. */
function listCommand(scenarios: ReadonlyMap<string, Scenario>): number {
  const all = [...scenarios.values()].flatMap(withVariants);
  const width = Math.max(0, ...all.flatMap((scenario) => scenario.methods.map((method) => method.recovery.name.length))) + 2;
  for (const scenario of all) {
    console.log(`${scenarioLabel(scenario)}: ${scenario.description}`);
    console.log(`  fault: ${scenario.fault.name}`);
    for (const { recovery, expected } of scenario.methods) console.log(`  ${recovery.name.padEnd(width)}expected ${expectationText(expected)}`);
    console.log('');
  }
  console.log('run one:        npm run scenario <name> -- [--methods a,b] [--rollout rolling]');
  console.log('run the matrix: npm run scenario all -- [--methods a,b]');
  return EXIT.passed;
}

/** `recovered, messages kept` / `not-recovered (diagnosis split-cluster)`: the journal's words, for a terminal. */
function expectationText(expected: Expectation): string {
  if (expected.outcome === 'not-recovered') return expected.diagnosis === undefined ? 'not-recovered' : `not-recovered (diagnosis ${expected.diagnosis})`;
  return expected.messages === undefined ? 'recovered' : `recovered, messages ${expected.messages}`;
}

async function cleanupCommand(argv: string[]): Promise<number> {
  const usage = 'usage: npm run warren -- cleanup [--platform local|kind] --run <run id> | --all';
  let platform = 'local';
  let rest = argv;
  if (argv[0] === '--platform') {
    platform = argv[1] ?? '';
    rest = argv.slice(2);
  }
  const [flag, value] = rest;
  let target: string;
  if (flag === '--all' && value === undefined) target = 'all';
  else if (flag === '--run' && value && /^[\w-]+$/.test(value)) target = value;
  else throw new UsageError(usage);
  if (platform === 'kind') {
    const deleted = await sweepKindClusters(new KindCli(execaRunner), target);
    console.log(`deleted ${deleted.length} kind cluster(s)${deleted.length > 0 ? `: ${deleted.join(', ')}` : ''}`);
    return EXIT.passed;
  }
  if (platform !== 'local') throw new UsageError(usage);
  // A run whose warren still runs is never touched: --run refuses it (exit 2), --all skips it and says so.
  const swept = await sweepLeftovers(target, { whenOwnerAlive: target === 'all' ? 'skip' : 'refuse' });
  const live = swept.liveRuns.length === 0 ? '' : `; skipped ${swept.liveRuns.length} live run(s) whose warren is still running: ${swept.liveRuns.map((run) => `${run.label} (pid ${run.owner.pid})`).join(', ')}`;
  console.log(`killed ${swept.processes.length} process(es), removed ${swept.directories.length} run director${swept.directories.length === 1 ? 'y' : 'ies'}${live}`);
  return EXIT.passed;
}

function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? EXIT.usage : EXIT.harness;
}


import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { errorMessage, toErrorRecord, UsageError } from '../common/errors.js';
import { kindDryRun } from '../run/kind-dry-run.js';
import { Redactor } from '../common/secrets.js';
import { execaRunner } from '../platforms/kind/command-runner.js';
import { KindCli } from '../platforms/kind/kind-cli.js';
import { sweepKindClusters } from '../platforms/kind/kind-sweeper.js';
import { sweepLeftovers } from '../platforms/local/leftover-sweeper.js';
import { createPlatform } from '../platforms/platforms.js';
import { matrixRun, renderMatrixJson, runLabel, runSlug, writeMatrix, type MatrixRun } from '../report/matrix-reporter.js';
import { writeReports } from '../report/reporters.js';
import { RunEvents } from '../run/events.js';
import { runScenario, WARREN_VERSION } from '../run/runner.js';
import { SCENARIOS } from '../../scenarios/registry.js';
import { defineCleanupCommand, type CleanupArgs } from './cleanup-args.js';
import { cliCommand, usageErrorFrom } from './cli-command.js';
import { EXIT, exitCodeForOutcome } from './exit-codes.js';
import { listenForInterrupts } from './interrupts.js';
import { ProgressPrinter } from './progress-printer.js';
import { prepareReportDirectory } from './report-directory.js';
import { isScenarioPath, loadScenarioDirectory, loadScenarioFile } from './scenario-file.js';
import { defineScenarioCommand, type ScenarioArgs, type ScenarioRun } from './scenario-args.js';
import { expectationOn, scenarioLabel, withVariants, type Scenario, type ScenarioMethod } from '../scenarios/scenario.js';
import { START_POLICIES, type Platform } from '../core/platform.js';
import { expectationText, type RunReport } from '../core/journal.js';
import { RELEASES, releaseKey, type ReleaseKey } from '../core/rabbitmq-release.js';

export { EXIT, exitCodeForOutcome } from './exit-codes.js';

/**
 * The whole CLI as a function: `warren scenario|list|cleanup …`, with `--help` and `--version` on every command.
 * Bad input of any kind is one line on stderr and exit 2, before anything is started.
 *
 * @param argv the words after the program, e.g. `['scenario', 'full-shutdown', '--nodes', '3']`.
 * @param scenarios the registry `scenario` and `list` draw from (default: the built-in scenarios); tests pass their own.
 * @returns the exit code ({@link EXIT}): 0 passed (or help, version, list, cleanup done), 1 a finding, 2 bad usage,
 *   3 the environment or warren failed, 130 interrupted. Never rejects and never calls `process.exit`.
 */
export async function runCli(argv: string[], scenarios: ReadonlyMap<string, Scenario> = SCENARIOS): Promise<number> {
  let exitCode: number = EXIT.passed;
  const program = cliProgram(scenarios, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    const reported = error instanceof CommanderError ? usageErrorFrom(error) : error;
    if (reported === undefined) return EXIT.passed; // --help or --version was printed
    // One line, never a stack trace; the debug log and report.json keep the details.
    process.stderr.write(`warren: ${oneLine(errorMessage(reported))}\n`);
    return exitCodeFor(reported);
  }
}

/** The commands; each action hands its exit code to `done`. */
function cliProgram(scenarios: ReadonlyMap<string, Scenario>, done: (exitCode: number) => void): Command {
  const program = cliCommand('warren', {
    summary:
      'Chaos and resilience drills for RabbitMQ clusters: inject a real outage, apply one recovery method from a runbook, ' +
      'prove put/get through every node and account for every message.',
    examples: ['npm run scenario full-shutdown', 'npm run scenario -- --help', 'npm run warren -- list', 'npx warren cleanup --all'],
  });
  program.addCommand(defineScenarioCommand(scenarios, async (args) => done(await scenarioCommand(args))));
  program.addCommand(
    cliCommand('list', {
      summary: 'list the scenarios, their methods and what each is expected to do',
      description:
        'List every scenario and variant with its fault, its methods and what each method is expected to do; ' +
        'with a path, the scenarios of that drill file or of every drill file in that directory instead.',
      examples: ['npm run warren -- list', 'npx warren list ./drills'],
    })
      .argument('[name|path]', "one scenario's name, a drill file (export default defineScenario(...)) or a directory of them")
      .action(async (what: string | undefined) => done(await listWhat(what, scenarios))),
  );
  program.addCommand(defineCleanupCommand(async (args) => done(await cleanupCommand(args))));
  return program;
}

async function scenarioCommand(parsed: ScenarioArgs): Promise<number> {
  if (parsed.dryRun) {
    // Nothing to prepare or check: no cluster, no Docker, no report directory.
    for (const run of parsed.runs) {
      await kindDryRun({ scenario: run.scenario, methods: run.methods, release: run.release, kind: parsed.kind, nodes: parsed.nodes, startPolicy: parsed.startPolicy, write: (line) => console.log(line) });
    }
    return 0;
  }
  // Part of validating the input: a report directory that cannot be made is a usage error, before anything starts.
  const reportDir = await prepareReportDirectory(parsed.reportDir ?? defaultReportDir(parsed));
  const args = { ...parsed, reportDir: reportDir.path };
  const redactor = new Redactor();
  const runId = newRunId();
  const platform = createPlatform(args.platform, { redactor, runId, kind: args.kind });
  await platform.preflight(args.releases).catch(async (error: unknown) => {
    await reportDir.discard(); // nothing ran: leave no empty report directory behind
    throw error;
  });

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

/** The arguments once the report directory exists: `reportDir` is its absolute path. */
type PreparedArgs = ScenarioArgs & { reportDir: string };

/** `reports/<stamp>-<name>`, or `reports/<stamp>-all` for the matrix. */
function defaultReportDir(args: ScenarioArgs): string {
  return join('reports', `${timestamp()}-${args.all ? 'all' : args.runs[0]!.scenario.name}`);
}

/** A named scenario, with its reports in the prepared directory (`args.reportDir`). */
async function runAndReport(args: PreparedArgs, env: RunEnvironment, runId: string): Promise<number> {
  const run = args.runs[0]!; // a named scenario is exactly one run
  const report = await runOne(args, run, env, { runId, reportDir: args.reportDir });
  return exitCodeForOutcome(report.outcome);
}

/**
 * `all` (or several releases): every run one after another (they share the machine's cores), each with its usual
 * reports in <base>/<slug>, then matrix.md and matrix.json in <base>. After Ctrl-C no further run starts. On one
 * release a run's slug is its scenario's (`full-shutdown`), as before releases existed; on several it is
 * `full-shutdown/4.3-khepri`, and its label says the release (`full-shutdown on 4.3/khepri`).
 */
async function runMatrix(args: PreparedArgs, env: RunEnvironment): Promise<number> {
  const baseDir = args.reportDir;
  if (args.notDrilled.length > 0) console.log(`not drilled yet, left out (no expectation on that release): ${args.notDrilled.join('; ')}`);
  const perRelease = args.releases.length > 1;
  const shown = (run: ScenarioRun): ReleaseKey | null => (perRelease ? releaseKey(run.release) : null);
  const labels = args.runs.map((run) => runLabel(run.scenario, shown(run)));
  const what = perRelease ? `${args.runs.length} runs on ${args.releases.length} releases` : `${args.runs.length} scenarios`;
  console.log(`matrix: ${what} (${labels.join(', ')}); reports in ${baseDir}`);
  const finished: MatrixRun[] = [];
  for (const [i, run] of args.runs.entries()) {
    if (env.signal.aborted) break;
    const slug = runSlug(run.scenario, shown(run));
    const report = await runOneOfMatrix(args, run, env, { reportDir: join(baseDir, slug), label: labels[i]! });
    finished.push(matrixRun(run.scenario, report, releaseKey(run.release), slug));
  }
  const notRun = labels.slice(finished.length);
  const [matrixPath] = await writeMatrix(finished, baseDir, { notRun });
  const { outcome, durationMs } = renderMatrixJson(finished, { notRun });
  console.log(`MATRIX ${outcome.toUpperCase()}: ${finished.length} ${perRelease ? 'runs' : 'scenarios'} in ${(durationMs / 1000).toFixed(1)} s; matrix: ${matrixPath}`);
  return exitCodeForOutcome(outcome);
}

/** A run that breaks warren itself must not cost the rest of the matrix: it becomes an error row, and the matrix goes on. */
async function runOneOfMatrix(args: ScenarioArgs, run: ScenarioRun, env: RunEnvironment, target: { reportDir: string; label: string }): Promise<RunReport> {
  const { reportDir, label } = target;
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
  const { report, keptAccess } = await runScenario({ ...args, ...run, rabbitmq: run.release, ...env, runId, reportDir, events });
  await writeReports(report, reportDir);
  printResult(report, label ?? report.scenario, reportDir);
  if (keptAccess.length > 0) console.log(['kept (--keep):', ...keptAccess].join('\n'));
  return report;
}

/** `PASSED: full-shutdown on local in 312.4 s; report: DIR`. */
function printResult(report: RunReport, label: string, reportDir: string): void {
  console.log(`${report.outcome.toUpperCase()}: ${label} on ${report.platform} in ${(report.durationMs / 1000).toFixed(1)} s; report: ${reportDir}`);
}

/** `expected X (either start policy)`, or per policy, `under Parallel not drilled yet` where there is none. */
function startPolicyText(expected: ScenarioMethod['expected'], release: ReleaseKey): string {
  const [ordered, parallel] = START_POLICIES.map((policy) => expectationOn(expected, release, policy));
  if (ordered !== undefined && parallel !== undefined && expectationText(ordered) === expectationText(parallel)) return `expected ${expectationText(ordered)} (either start policy)`;
  return START_POLICIES.map((policy, i) => {
    const under = [ordered, parallel][i];
    return `under ${policy} ${under === undefined ? 'not drilled yet' : `expected ${expectationText(under)}`}`;
  }).join('; ');
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
    settings: { tableWait: args.tableWait, messagesPerQueue: args.messagesPerQueue, recoveryTimeoutMs: args.recoveryTimeoutMs, terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? null, livenessProbe: args.livenessProbe ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    outcome: interrupted ? 'interrupted' : 'error', // Ctrl-C during setup is not a broken harness
    repeat: args.repeat,
    methods: [],
    tallies: [],
    error: toErrorRecord(error),
  };
}

/** `20250102T030405`: report directories sort by time. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
}

/** Every scenario and variant with its fault and each method's expectation, then how to run them. */
/** `list`, `list <name>`, `list <file>` or `list <dir>`. */
async function listWhat(what: string | undefined, scenarios: ReadonlyMap<string, Scenario>): Promise<number> {
  if (what === undefined) return listCommand(scenarios);
  const named = scenarios.get(what);
  if (named !== undefined) return listCommand(new Map([[what, named]]));
  if (!isScenarioPath(what) && !(await stat(what).catch(() => undefined))) {
    throw new UsageError(`unknown scenario "${what}"; list takes a scenario's name (${[...scenarios.keys()].join(', ')}), a drill file or a directory of them`);
  }
  return listCommand(await scenarioFiles(what, scenarios), { fromFiles: true });
}

/** The scenarios of one drill file, or of every drill file in a directory, by name. */
async function scenarioFiles(path: string, builtIn: ReadonlyMap<string, Scenario>): Promise<ReadonlyMap<string, Scenario>> {
  const isDirectory = (await stat(path).catch(() => undefined))?.isDirectory() === true;
  const loaded = isDirectory ? await loadScenarioDirectory(path, builtIn) : [await loadScenarioFile(path, builtIn)];
  return new Map(loaded.map((scenario) => [scenario.name, scenario]));
}

function listCommand(scenarios: ReadonlyMap<string, Scenario>, options: { fromFiles?: boolean } = {}): number {
  const all = [...scenarios.values()].flatMap(withVariants);
  const width = Math.max(0, ...all.flatMap((scenario) => scenario.methods.map((method) => method.recovery.name.length))) + 2;
  for (const scenario of all) {
    console.log(`${scenarioLabel(scenario)}: ${scenario.description}`);
    console.log(`  fault: ${scenario.fault.name}`);
    for (const { recovery, expected } of scenario.methods) {
      if ('outcome' in expected) {
        console.log(`  ${recovery.name.padEnd(width)}expected ${expectationText(expected)} (every release, under OrderedReady)`);
        continue;
      }
      console.log(`  ${recovery.name}:`);
      for (const asked of RELEASES) {
        const release = releaseKey(asked);
        const one = expected[release];
        const impossible = scenario.fault.notApplicableOn?.(asked);
        const text = impossible !== undefined ? `not applicable: ${impossible.split(';')[0]}` : one === undefined ? 'not drilled on this release yet: no expectation' : startPolicyText(expected, release);
        console.log(`    ${release.padEnd(13)}${text}`);
      }
    }
    console.log('');
  }
  if (options.fromFiles) {
    console.log('run one:        npx warren scenario <file> [--methods a,b] [--rabbitmq 3.10|4.0|4.3] [--metadata-store mnesia|khepri]');
    return EXIT.passed;
  }
  console.log('an upgrade:     npm run scenario upgrade -- --from 3.10|4.0 --to 4.0|4.3 [--metadata-store mnesia|khepri] [--methods a,b]');
  console.log('run one:        npm run scenario <name> -- [--methods a,b] [--rollout rolling] [--rabbitmq 3.10|4.0|4.3|all] [--metadata-store mnesia|khepri]');
  console.log('run the matrix: npm run scenario all -- [--methods a,b] [--rabbitmq all]');
  return EXIT.passed;
}


/** Sweeps one run's leftovers, or every run's, on the local host or in kind. */
async function cleanupCommand(args: CleanupArgs): Promise<number> {
  const target = args.all ? 'all' : args.run!;
  if (args.platform === 'kind') {
    const deleted = await sweepKindClusters(new KindCli(execaRunner), target);
    console.log(`deleted ${deleted.length} kind cluster(s)${deleted.length > 0 ? `: ${deleted.join(', ')}` : ''}`);
    return EXIT.passed;
  }
  // A run whose warren still runs is never touched: --run refuses it (exit 2), --all skips it and says so.
  const swept = await sweepLeftovers(target, { whenOwnerAlive: target === 'all' ? 'skip' : 'refuse' });
  const live = swept.liveRuns.length === 0 ? '' : `; skipped ${swept.liveRuns.length} live run(s) whose warren is still running: ${swept.liveRuns.map((run) => `${run.label} (pid ${run.owner.pid})`).join(', ')}`;
  console.log(`killed ${swept.processes.length} process(es), removed ${swept.directories.length} run director${swept.directories.length === 1 ? 'y' : 'ies'}${live}`);
  return EXIT.passed;
}

function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? EXIT.usage : EXIT.harness;
}

/** A message on one line, whatever a path or commander put in it. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}


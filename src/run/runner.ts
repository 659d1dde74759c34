import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redactor } from '../common/secrets.js';
import type { Platform } from '../core/platform.js';
import { expectationOn, type Scenario } from '../scenarios/scenario.js';
import { releaseKey } from '../core/rabbitmq-release.js';
import { UsageError } from '../common/errors.js';
import { runDrill, type DrillSettings, type DrillStep } from './drill.js';
import type { RunEvents } from './events.js';
import { tallyMethods, type MethodReport, type RunOutcome, type RunReport } from '../core/journal.js';
import { FileLogger } from '../common/logger.js';

export const WARREN_VERSION = '0.1.0';

export interface RunOptions extends DrillSettings {
  scenario: Scenario;
  methods: string[];
  /** Drills per method, each on a fresh cluster (`--repeat`, 1 to 100; default 1). */
  repeat?: number;
  /** The drill's steps (default DRILL_STEPS): tests replace the ones that need a broker, as with runDrill. */
  steps?: readonly DrillStep[];
  platform: Platform;
  runId: string;
  reportDir: string;
  signal: AbortSignal;
  events: RunEvents;
  redactor: Redactor;
}

export interface RunResult {
  report: RunReport;
  keptAccess: string[];
}

/**
 * Runs `repeat` drills per method (a method's attempts one after another, then the next method; they share the
 * machine's two cores) and builds the report, with each method's tally ("recovered k of N").
 * @throws UsageError for a `repeat` that is not a whole number from 1 to 100 (before anything starts).
 */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario } = options;
  if (options.repeat !== undefined && (!Number.isInteger(options.repeat) || options.repeat < 1 || options.repeat > 100)) {
    throw new UsageError(`repeat must be a whole number from 1 to 100, got ${options.repeat}`);
  }
  const startedAt = new Date();
  await mkdir(options.reportDir, { recursive: true });
  const log = new FileLogger(join(options.reportDir, 'warren.log'), options.redactor).child(`run:${options.runId}`);
  log.info(`scenario ${scenario.name} on ${options.platform.name}: methods ${options.methods.join(', ')}`);
  options.events.emit('runStarted', { scenario: scenario.name, methods: options.methods, platform: options.platform.name, nodes: options.nodes });

  const methods: MethodReport[] = [];
  const keptAccess: string[] = [];
  let rabbitmq: RunReport['rabbitmq'] = { version: null, metadataStore: null };
  let interrupted = false;
  const selected = scenario.methods.filter((method) => options.methods.includes(method.recovery.name));
  const repeat = options.repeat ?? 1;
  drills: for (const [index, method] of selected.entries()) {
    const expected = expectationOn(method.expected, releaseKey(options.rabbitmq), options.startPolicy);
    // The CLI only selects methods with an expectation on the release; a library caller may not have.
    if (expected === undefined) throw new UsageError(`${scenario.name}: ${method.recovery.name} has no expectation on ${releaseKey(options.rabbitmq)} (never drilled there)`);
    for (let attempt = 1; attempt <= repeat; attempt++) {
      if (options.signal.aborted) {
        interrupted = true;
        break drills;
      }
      options.events.emit('drillStarted', { method: method.recovery.name, index, total: selected.length, attempt, repeat });
      const result = await runDrill(scenario, { recovery: method.recovery, expected, attempt, repeat }, options, { ...options, log }, options.steps);
      methods.push(result.report);
      if (result.rabbitmq?.version) rabbitmq = result.rabbitmq;
      const label = repeat > 1 ? `${method.recovery.name} (attempt ${attempt} of ${repeat}):` : `${method.recovery.name}:`;
      if (result.keptAccess) keptAccess.push(label, ...result.keptAccess.map((line) => `  ${line}`));
      options.events.emit('drillFinished', { report: result.report });
      if (result.interrupted) {
        interrupted = true;
        break drills;
      }
    }
  }

  const endedAt = new Date();
  const report: RunReport = {
    tool: { name: 'warren', version: WARREN_VERSION },
    runId: options.runId,
    scenario: scenario.name,
    description: scenario.description,
    platform: options.platform.name,
    rabbitmq,
    nodes: options.nodes,
    startPolicy: options.startPolicy,
    settings: { tableWait: options.tableWait, messagesPerQueue: options.messagesPerQueue, recoveryTimeoutMs: options.recoveryTimeoutMs, terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? null, livenessProbe: options.livenessProbe ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    outcome: runOutcome(methods, interrupted),
    repeat,
    methods,
    tallies: tallyMethods(methods),
  };
  log.info(`scenario finished: ${report.outcome} in ${report.durationMs} ms`);
  options.events.emit('runFinished', { report });
  return { report, keptAccess };
}

/**
 * deviated (a method missed its expectation in any attempt, or was flaky: recovered in some attempts and not in
 * others) is a finding; error means warren or the machine broke.
 */
export function runOutcome(methods: MethodReport[], interrupted: boolean): RunOutcome {
  if (interrupted) return 'interrupted';
  if (methods.some((method) => method.outcome === 'error')) return 'error';
  if (methods.some((method) => !method.passed)) return 'deviated';
  if (tallyMethods(methods).some((tally) => tally.flaky)) return 'deviated';
  return 'passed';
}

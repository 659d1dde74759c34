import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redactor } from '../common/secrets.js';
import type { Platform } from '../core/platform.js';
import { expectationOn, type Scenario } from '../scenarios/scenario.js';
import { releaseKey } from '../core/rabbitmq-release.js';
import { UsageError } from '../common/errors.js';
import { runDrill, type DrillSettings } from './drill.js';
import type { RunEvents } from './events.js';
import type { MethodReport, RunOutcome, RunReport } from '../core/journal.js';
import { FileLogger } from '../common/logger.js';

export const WARREN_VERSION = '0.1.0';

export interface RunOptions extends DrillSettings {
  scenario: Scenario;
  methods: string[];
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

/** Runs one drill per method, one after another (they share the machine's two cores), and builds the report. */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario } = options;
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
  for (const [index, method] of selected.entries()) {
    if (options.signal.aborted) {
      interrupted = true;
      break;
    }
    options.events.emit('drillStarted', { method: method.recovery.name, index, total: selected.length });
    const expected = expectationOn(method.expected, releaseKey(options.rabbitmq));
    // The CLI only selects methods with an expectation on the release; a library caller may not have.
    if (expected === undefined) throw new UsageError(`${scenario.name}: ${method.recovery.name} has no expectation on ${releaseKey(options.rabbitmq)} (never drilled there)`);
    const result = await runDrill(scenario, { recovery: method.recovery, expected }, options, { ...options, log });
    methods.push(result.report);
    if (result.rabbitmq?.version) rabbitmq = result.rabbitmq;
    if (result.keptAccess) keptAccess.push(`${method.recovery.name}:`, ...result.keptAccess.map((line) => `  ${line}`));
    options.events.emit('drillFinished', { report: result.report });
    if (result.interrupted) {
      interrupted = true;
      break;
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
    settings: { tableWait: options.tableWait, messagesPerQueue: options.messagesPerQueue, recoveryTimeoutMs: options.recoveryTimeoutMs, terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    outcome: runOutcome(methods, interrupted),
    methods,
  };
  log.info(`scenario finished: ${report.outcome} in ${report.durationMs} ms`);
  options.events.emit('runFinished', { report });
  return { report, keptAccess };
}

/** deviated (a method missed its expectation) is a finding; error means warren or the machine broke. */
export function runOutcome(methods: MethodReport[], interrupted: boolean): RunOutcome {
  if (interrupted) return 'interrupted';
  if (methods.some((method) => method.outcome === 'error')) return 'error';
  if (methods.some((method) => !method.passed)) return 'deviated';
  return 'passed';
}

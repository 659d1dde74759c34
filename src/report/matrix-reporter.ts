import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenarioLabel, type Scenario } from '../scenarios/scenario.js';
import { expectationText, type Expectation, type MethodReport, type MessageLedger, type MethodOutcome, type RunOutcome, type RunReport } from '../run/journal.js';
import { runOutcomeText, seconds } from './markdown-reporter.js';

/**
 * The matrix of `npm run scenario all`: one row per scenario (and variant), one column per method. Each run
 * keeps its own reports in a subdirectory; the matrix only summarises them and links to them.
 */

/** One finished run of the matrix. RunReport names only the scenario, so which variant it was travels beside it. */
export interface MatrixRun {
  report: RunReport;
  /** `mismatched-cookie --rollout rolling` for a variant (see scenarioLabel). */
  label: string;
  /** Its reports' subdirectory in the matrix directory (see scenarioSlug). */
  slug: string;
  /** The rollout the scenario used, for a scenario that replaces the release; null otherwise. */
  rollout: string | null;
}

export interface MatrixOptions {
  /** Labels of scenarios never started because the run was interrupted: the matrix is then incomplete. */
  notRun?: string[];
}

export interface MatrixJson {
  startedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  scenarios: MatrixScenarioJson[];
  notRun: string[];
}

export interface MatrixScenarioJson {
  scenario: string;
  rollout: string | null;
  outcome: RunOutcome;
  durationMs: number;
  report: string;
  methods: MatrixMethodJson[];
}

export interface MatrixMethodJson {
  method: string;
  expected: Expectation;
  outcome: MethodOutcome;
  passed: boolean;
  timeToRecoverMs: number | null;
  messages: MessageLedger | null;
  /** Distinct diagnosis signatures seen (details stay in the run's own report). */
  diagnoses: string[];
}

const NOT_IN_SCENARIO = '—';

/** `mismatched-cookie-rollout-rolling` for a variant, the scenario name otherwise: a directory name per matrix row. */
export function scenarioSlug(scenario: Scenario): string {
  const isVariant = scenario.variants === undefined && scenario.rollout !== undefined;
  return isVariant ? `${scenario.name}-rollout-${scenario.rollout}` : scenario.name;
}

export function matrixRun(scenario: Scenario, report: RunReport): MatrixRun {
  return { report, label: scenarioLabel(scenario), slug: scenarioSlug(scenario), rollout: scenario.rollout ?? null };
}

/** The worst outcome wins: interrupted > error > deviated > passed. An interrupted matrix is interrupted. */
export function matrixOutcome(outcomes: readonly RunOutcome[], interrupted = false): RunOutcome {
  if (interrupted) return 'interrupted';
  const worstFirst: RunOutcome[] = ['interrupted', 'error', 'deviated'];
  return worstFirst.find((outcome) => outcomes.includes(outcome)) ?? 'passed';
}

export function renderMatrixJson(runs: readonly MatrixRun[], options: MatrixOptions = {}): MatrixJson {
  const span = wallTime(runs);
  return {
    startedAt: span.startedAt,
    durationMs: span.durationMs,
    outcome: outcomeOf(runs, options),
    scenarios: runs.map(({ report, slug, rollout }) => ({
      scenario: report.scenario,
      rollout,
      outcome: report.outcome,
      durationMs: report.durationMs,
      report: `${slug}/report.json`,
      methods: report.methods.map(methodJson),
    })),
    notRun: options.notRun ?? [],
  };
}

/** The overview a reader opens first: which method recovers which scenario, and how fast. */
export function renderMatrixMarkdown(runs: readonly MatrixRun[], options: MatrixOptions = {}): string {
  const outcome = outcomeOf(runs, options);
  const span = wallTime(runs);
  const platform = [...new Set(runs.map((run) => run.report.platform))].join(', ') || 'no platform';
  const methods = [...new Set(runs.flatMap((run) => run.report.methods.map((method) => method.method)))];
  const out: string[] = [`# warren matrix on ${platform}: ${runOutcomeText(outcome)}`, ''];
  out.push(
    `- **Scenarios:** ${runs.length}${tally(runs)}`,
    `- **Started:** ${dateText(span.startedAt)}`,
    `- **Wall time:** ${seconds(span.durationMs)} s`,
  );
  if (options.notRun !== undefined && options.notRun.length > 0) out.push(`- **Not run (interrupted):** ${options.notRun.map(text).join(', ')}`);
  out.push('');
  if (runs.length === 0) {
    out.push('No scenario was run.');
    return `${out.join('\n')}\n`;
  }
  out.push(
    ...table(
      ['Scenario', 'Outcome', ...methods.map(text)],
      runs.map((run) => [`[${text(run.label)}](${run.slug}/report.md)`, runOutcomeText(run.report.outcome), ...methods.map((name) => text(methodCell(run.report, name)))]),
    ),
    '',
    `✔ met its expectation · ✘ missed it · n/a not applicable · ${NOT_IN_SCENARIO} not run for this scenario · ` +
      'a name in brackets is the diagnosis expected to explain why the cluster stays down. Each scenario links to its full report.',
  );
  return `${out.join('\n')}\n`;
}

/**
 * Writes DIR/matrix.md and DIR/matrix.json (creating DIR) and returns their paths in that order. The runs'
 * own reports are expected in DIR/<slug>/ (the CLI writes them there with writeReports).
 */
export async function writeMatrix(runs: readonly MatrixRun[], dir: string, options: MatrixOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const markdown = join(dir, 'matrix.md');
  const json = join(dir, 'matrix.json');
  await writeFile(markdown, renderMatrixMarkdown(runs, options), 'utf8');
  await writeFile(json, `${JSON.stringify(renderMatrixJson(runs, options), null, 2)}\n`, 'utf8');
  return [markdown, json];
}

/** `✔ recovered 32.7 s` / `✔ not-recovered (access-refused)` / `✘ not-recovered, expected recovered` / `n/a`. */
export function methodCell(report: RunReport, name: string): string {
  const method = report.methods.find((candidate) => candidate.method === name);
  if (method === undefined) return NOT_IN_SCENARIO;
  if (method.outcome === 'not-applicable') return 'n/a';
  if (method.outcome === 'error') return '✘ error (harness)';
  if (method.outcome === 'interrupted') return '⏹ interrupted';
  const result = method.outcome === 'recovered' ? recoveredText(method) : notRecoveredText(method);
  return method.passed ? `✔ ${result}` : `✘ ${result}, expected ${expectationText(method.expected)}`;
}

function recoveredText(method: MethodReport): string {
  const time = method.timeToRecoverMs === null ? '' : ` ${seconds(method.timeToRecoverMs)} s`;
  const lost = method.messages !== null && method.messages.lost > 0 ? `, ${method.messages.lost} lost` : '';
  return `recovered${time}${lost}`;
}

/** A method that passed by staying down names the diagnosis that explains it; a failing one shows the expectation instead. */
function notRecoveredText(method: MethodReport): string {
  const { expected } = method;
  return method.passed && expected.outcome === 'not-recovered' ? `not-recovered (${expected.diagnoses.join(', ')})` : 'not-recovered';
}

function methodJson(method: MethodReport): MatrixMethodJson {
  return {
    method: method.method,
    expected: method.expected,
    outcome: method.outcome,
    passed: method.passed,
    timeToRecoverMs: method.timeToRecoverMs,
    messages: method.messages,
    diagnoses: [...new Set(method.diagnoses.map((diagnosis) => diagnosis.signature))],
  };
}

function outcomeOf(runs: readonly MatrixRun[], options: MatrixOptions): RunOutcome {
  return matrixOutcome(
    runs.map((run) => run.report.outcome),
    (options.notRun ?? []).length > 0,
  );
}

/** From the first run's start to the last run's end: what the operator waited, reports and gaps included. */
function wallTime(runs: readonly MatrixRun[]): { startedAt: string; durationMs: number } {
  const starts = runs.map((run) => Date.parse(run.report.startedAt)).filter(Number.isFinite);
  const ends = runs.map((run) => Date.parse(run.report.endedAt)).filter(Number.isFinite);
  if (starts.length === 0 || ends.length === 0) return { startedAt: runs[0]?.report.startedAt ?? new Date().toISOString(), durationMs: 0 };
  const first = Math.min(...starts);
  return { startedAt: new Date(first).toISOString(), durationMs: Math.max(0, Math.max(...ends) - first) };
}

function tally(runs: readonly MatrixRun[]): string {
  const passed = runs.filter((run) => run.report.outcome === 'passed').length;
  return runs.length === 0 ? '' : ` (${passed} passed)`;
}

function dateText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? text(iso) : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One line of prose in a table: no line breaks, no `|` that would split the cell, no `<` taken for HTML. */
function text(value: string): string {
  return value.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|').replace(/</g, '\\<');
}

function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RELEASES, releaseKey, type MetadataStore, type ReleaseKey } from '../core/rabbitmq-release.js';
import { isVariant, scenarioLabel, type Scenario } from '../scenarios/scenario.js';
import { expectationFor, expectationText, tallyText, type Expectation, type MethodReport, type MethodTally, type MessageLedger, type MethodOutcome, type RunOutcome, type RunReport } from '../core/journal.js';
import { runOutcomeText, seconds } from './markdown-reporter.js';

/**
 * The matrix of `npm run scenario all` (or of one scenario on several releases). On one RabbitMQ release: one row
 * per scenario (and variant), one column per method. On several: one row per scenario (and variant) × method, one
 * column per release, so a method's result on each release reads side by side. Either way a table of the releases
 * says what the nodes actually ran. Each run keeps its own reports in a subdirectory; the matrix only summarises
 * them and links to them.
 */

/** One finished run of the matrix. RunReport names only the scenario, so which variant and release it was travel beside it. */
export interface MatrixRun {
  report: RunReport;
  /** `mismatched-cookie --rollout rolling` for a variant (see scenarioLabel); never the release, which is `release`. */
  label: string;
  /** Its reports' subdirectory in the matrix directory, `/`-separated: `full-shutdown`, or `full-shutdown/4.3-khepri` (see runSlug). */
  slug: string;
  /** The rollout the scenario used, for a scenario that replaces the release; null otherwise. */
  rollout: string | null;
  /** The option and value that picked the scenario's variant (`--rollout rolling`, `--to 4.0`); null for a base scenario. */
  variant: string | null;
  /** The release the run was asked for (what the nodes reported is `report.rabbitmq`). */
  release: ReleaseKey;
}

export interface MatrixOptions {
  /** Labels of runs never started because the run was interrupted (see runLabel): the matrix is then incomplete. */
  notRun?: string[];
}

/** matrix.json. Times are ISO 8601 (UTC) and milliseconds. */
export interface MatrixJson {
  /** The first run's start. */
  startedAt: string;
  /** From the first run's start to the last run's end. */
  durationMs: number;
  outcome: RunOutcome;
  /** One entry per run (scenario or variant × release), in the order run. */
  scenarios: MatrixScenarioJson[];
  /** One entry per release with at least one run, in RELEASES order. */
  releases: MatrixReleaseJson[];
  notRun: string[];
}

export interface MatrixScenarioJson {
  scenario: string;
  rollout: string | null;
  /** `--to 4.0` for a variant (see MatrixRun.variant); null for a base scenario. */
  variant: string | null;
  /** The release the run was asked for, e.g. `4.3/khepri`. */
  release: ReleaseKey;
  /** What node 0 reported: version (`4.3.6`), metadata store, Erlang/OTP (`27.3.4`); null where it was not read. */
  rabbitmq: MatrixRabbitMqJson;
  outcome: RunOutcome;
  durationMs: number;
  /** Path of its report.json, relative to the matrix directory. */
  report: string;
  methods: MatrixMethodJson[];
  /** Per method, its attempts counted ("recovered k of N"; flaky). */
  tallies: MethodTally[];
}

/** RabbitMQ as read from the nodes (RunReport's `rabbitmq`, with `erlang` always present). */
export interface MatrixRabbitMqJson {
  version: string | null;
  metadataStore: MetadataStore | null;
  erlang: string | null;
}

/** One release of the matrix: what its runs read from the nodes and how long they took. */
export interface MatrixReleaseJson {
  release: ReleaseKey;
  /** Distinct values read by its runs, in first-seen order; empty when none was read (e.g. every run broke before). */
  versions: string[];
  metadataStores: MetadataStore[];
  erlangVersions: string[];
  /** Runs of this release, and how many of them passed. */
  runs: number;
  passed: number;
  /** The runs' own durations summed, ms: the machine time this release cost (gaps between runs excluded). */
  durationMs: number;
}

export interface MatrixMethodJson {
  method: string;
  /** 1 to the run's repeat: with --repeat, one entry per attempt. */
  attempt: number;
  expected: Expectation;
  outcome: MethodOutcome;
  passed: boolean;
  timeToRecoverMs: number | null;
  messages: MessageLedger | null;
  /** Distinct diagnosis signatures seen (details stay in the run's own report). */
  diagnoses: string[];
}

const NOT_IN_SCENARIO = '—';

/** `mismatched-cookie-rollout-rolling` or `upgrade-to-4.0` for a variant, the scenario name otherwise: a directory name per matrix row. */
export function scenarioSlug(scenario: Scenario): string {
  return isVariant(scenario) ? `${scenario.name}-${scenario.variant!.option.replace(/^--/, '')}-${scenario.variant!.value}` : scenario.name;
}

/** `4.3-khepri`: a release as one directory name. */
export function releaseDirName(release: ReleaseKey): string {
  return release.replace('/', '-');
}

/**
 * A run's subdirectory of the matrix directory: `full-shutdown` when the matrix covers one release (`release`
 * null; today's layout), `full-shutdown/4.3-khepri` when it covers several. The caller (the CLI) chooses.
 */
export function runSlug(scenario: Scenario, release: ReleaseKey | null): string {
  return release === null ? scenarioSlug(scenario) : `${scenarioSlug(scenario)}/${releaseDirName(release)}`;
}

/** How a run is named in progress lines and `notRun`: `full-shutdown`, or `full-shutdown on 4.3/khepri` with `release`. */
export function runLabel(scenario: Scenario, release: ReleaseKey | null): string {
  return release === null ? scenarioLabel(scenario) : `${scenarioLabel(scenario)} on ${release}`;
}

/**
 * A finished run as the matrix shows it. `slug` is where its reports were written, relative to the matrix
 * directory (default: scenarioSlug, the single-release layout; see runSlug).
 */
export function matrixRun(scenario: Scenario, report: RunReport, release: ReleaseKey, slug: string = scenarioSlug(scenario)): MatrixRun {
  return { report, label: scenarioLabel(scenario), slug, rollout: scenario.variant?.option === '--rollout' ? scenario.variant.value : null, variant: isVariant(scenario) ? `${scenario.variant!.option} ${scenario.variant!.value}` : null, release };
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
    scenarios: runs.map(({ report, slug, rollout, variant, release }) => ({
      scenario: report.scenario,
      rollout,
      variant,
      release,
      rabbitmq: { version: report.rabbitmq.version, metadataStore: report.rabbitmq.metadataStore, erlang: report.rabbitmq.erlang ?? null },
      outcome: report.outcome,
      durationMs: report.durationMs,
      report: `${slug}/report.json`,
      methods: report.methods.map(methodJson),
      tallies: report.tallies,
    })),
    releases: releaseSummaries(runs),
    notRun: options.notRun ?? [],
  };
}

/**
 * The overview a reader opens first: which method recovers which scenario, and how fast, on which release. One
 * release: a row per scenario, a column per method (the layout before releases existed). Several: a table of each
 * run's outcome (scenario × release, linking its report), then a row per scenario × method with a column per
 * release in RELEASES order. Both end with the Releases table (what the nodes ran, the runs' time summed).
 */
export function renderMatrixMarkdown(runs: readonly MatrixRun[], options: MatrixOptions = {}): string {
  const outcome = outcomeOf(runs, options);
  const span = wallTime(runs);
  const platform = [...new Set(runs.map((run) => run.report.platform))].join(', ') || 'no platform';
  const releases = releaseSummaries(runs);
  const out: string[] = [`# warren matrix on ${platform}: ${runOutcomeText(outcome)}`, ''];
  out.push(
    releases.length > 1 ? `- **Runs:** ${runs.length}${tally(runs)}, ${scenarioLabels(runs).length} scenarios on ${releases.length} releases` : `- **Scenarios:** ${runs.length}${tally(runs)}`,
    `- **Started:** ${dateText(span.startedAt)}`,
    `- **Wall time:** ${seconds(span.durationMs)} s`,
  );
  if (options.notRun !== undefined && options.notRun.length > 0) out.push(`- **Not run (interrupted):** ${options.notRun.map(text).join(', ')}`);
  out.push('');
  if (runs.length === 0) {
    out.push('No scenario was run.');
    return `${out.join('\n')}\n`;
  }
  out.push(...(releases.length > 1 ? releaseColumns(runs, releases) : methodColumns(runs)), '', '## Releases', '', ...releaseTable(releases));
  return `${out.join('\n')}\n`;
}

/** One release: a row per scenario (and variant), a column per method in first-seen order. */
function methodColumns(runs: readonly MatrixRun[]): string[] {
  const methods = [...new Set(runs.flatMap((run) => run.report.methods.map((method) => method.method)))];
  return [
    ...table(
      ['Scenario', 'Outcome', ...methods.map(text)],
      runs.map((run) => [`[${text(run.label)}](${run.slug}/report.md)`, runOutcomeText(run.report.outcome), ...methods.map((name) => text(methodCell(run.report, name)))]),
    ),
    '',
    `✔ met its expectation · ✘ missed it · n/a not applicable · ${NOT_IN_SCENARIO} not run for this scenario · ` +
      'a name in brackets is the diagnosis expected to explain why the cluster stays down. Each scenario links to its full report.',
  ];
}

/**
 * Several releases, side by side: each run's outcome (a row per scenario, a column per release, linking the run's
 * report), then a row per scenario × method (methods in first-seen order within the scenario), a column per release.
 */
function releaseColumns(runs: readonly MatrixRun[], releases: readonly MatrixReleaseJson[]): string[] {
  const keys = releases.map((release) => release.release);
  const labels = scenarioLabels(runs);
  const runOf = (label: string, release: ReleaseKey): MatrixRun | undefined => runs.find((run) => run.label === label && run.release === release);
  const outcomes = labels.map((label) => [
    text(label),
    ...keys.map((key) => {
      const run = runOf(label, key);
      return run === undefined ? NOT_IN_SCENARIO : `[${runOutcomeText(run.report.outcome)}](${run.slug}/report.md)`;
    }),
  ]);
  const methodRows = labels.flatMap((label) => {
    const ofScenario = runs.filter((run) => run.label === label);
    const methods = [...new Set(ofScenario.flatMap((run) => run.report.methods.map((method) => method.method)))];
    return methods.map((name) => [
      text(label),
      text(name),
      ...keys.map((key) => {
        const run = runOf(label, key);
        return run === undefined ? NOT_IN_SCENARIO : text(methodCell(run.report, name));
      }),
    ]);
  });
  return [
    '## Scenarios',
    '',
    ...table(['Scenario', ...keys], outcomes),
    '',
    '## Methods',
    '',
    ...table(['Scenario', 'Method', ...keys], methodRows),
    '',
    `✔ met its expectation on that release · ✘ missed it · n/a not applicable · ${NOT_IN_SCENARIO} not run for this scenario on that release · ` +
      "a name in brackets is the diagnosis expected to explain why the cluster stays down. Each outcome under Scenarios links to that run's full report.",
  ];
}

/** Each release: what the nodes reported (distinct values over its runs; — when none was read), its runs, their time summed. */
function releaseTable(releases: readonly MatrixReleaseJson[]): string[] {
  const values = (list: readonly string[]): string => (list.length === 0 ? NOT_IN_SCENARIO : text(list.join(', ')));
  return table(
    ['Release', 'RabbitMQ', 'Erlang/OTP', 'Metadata store', 'Runs', 'Wall time, runs summed (s)'],
    releases.map((release) => [
      release.release,
      values(release.versions),
      values(release.erlangVersions),
      values(release.metadataStores),
      `${release.runs} (${release.passed} passed)`,
      seconds(release.durationMs),
    ]),
  );
}

/**
 * One summary per release with at least one run, in RELEASES order: the version, metadata store and Erlang/OTP
 * release its runs read from the nodes (distinct, first-seen order), its runs, how many passed, and their
 * `durationMs` summed (ms).
 */
export function releaseSummaries(runs: readonly MatrixRun[]): MatrixReleaseJson[] {
  return RELEASES.map(releaseKey).flatMap((release) => {
    const ofRelease = runs.filter((run) => run.release === release);
    if (ofRelease.length === 0) return [];
    const read = <T>(pick: (rabbitmq: RunReport['rabbitmq']) => T | null | undefined): T[] => [
      ...new Set(ofRelease.map((run) => pick(run.report.rabbitmq)).filter((value): value is T => value !== null && value !== undefined)),
    ];
    return [
      {
        release,
        versions: read((rabbitmq) => rabbitmq.version),
        metadataStores: read((rabbitmq) => rabbitmq.metadataStore),
        erlangVersions: read((rabbitmq) => rabbitmq.erlang),
        runs: ofRelease.length,
        passed: ofRelease.filter((run) => run.report.outcome === 'passed').length,
        durationMs: ofRelease.reduce((sum, run) => sum + run.report.durationMs, 0),
      },
    ];
  });
}

/** The scenarios (and variants) of the runs, by label, in first-seen order. */
function scenarioLabels(runs: readonly MatrixRun[]): string[] {
  return [...new Set(runs.map((run) => run.label))];
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

/**
 * `✔ recovered 32.7 s` / `✔ not-recovered (access-refused)` / `✘ not-recovered, expected recovered` / `n/a`; with
 * `--repeat`: `✔ recovered 5 of 5, expected …` / `✘ recovered 2 of 5 (flaky), expected …`.
 */
export function methodCell(report: RunReport, name: string): string {
  const method = report.methods.find((candidate) => candidate.method === name);
  if (method === undefined) return NOT_IN_SCENARIO;
  const tally = report.repeat > 1 ? report.tallies.find((candidate) => candidate.method === name) : undefined;
  // A tally only when some attempt came to a verdict; otherwise the first attempt says why (n/a, error, interrupted).
  if (tally !== undefined && tally.other < tally.attempts) {
    const allMet = tally.metExpectation === tally.attempts && !tally.flaky;
    return `${allMet ? '✔' : '✘'} ${tallyText(tally)}, expected ${expectationText(method.expected)} (met ${tally.metExpectation} of ${tally.attempts})`;
  }
  if (method.outcome === 'not-applicable') return method.passed ? 'n/a' : `✘ not applicable, expected ${expectationText(method.expected)}`;
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
  const expected = expectationFor(method.expected, method.outcome);
  return method.passed && expected.outcome === 'not-recovered' ? `not-recovered (${expected.diagnoses.join(', ')})` : 'not-recovered';
}

function methodJson(method: MethodReport): MatrixMethodJson {
  return {
    method: method.method,
    attempt: method.attempt,
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

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCENARIOS } from '../../scenarios/registry.js';
import { parseScenarioArgs } from '../../src/cli/scenario-args.js';
import { CAPABILITIES, CAPABILITY_MEMBERS, START_POLICIES, type Capability } from '../../src/core/platform.js';
import { RABBITMQ_SERIES, releaseKey, releasesFor, type RabbitMqSeries } from '../../src/core/rabbitmq-release.js';
import { KindCluster } from '../../src/platforms/kind/kind-cluster.js';
import { expectationOn, scenarioLabel, withVariants, type Scenario } from '../../src/scenarios/scenario.js';
import vitestConfig from '../../vitest.config.js';

/**
 * The nightly workflow (.github/workflows/nightly-resilience.yml) cannot run here (no Docker engine, no kind), so
 * its contract is checked on its structure and, where a shape would prove little, by running its own shell
 * steps under bash with `npm` faked: the step that runs the drills must hand warren the right flags and record
 * its exit code without failing, and the last step must turn 1 (a RabbitMQ finding) and 3 (warren or the runner
 * broke) into different errors.
 *
 * The drills matrix is expanded as GitHub does (axes, then `include` entries added to the combinations they
 * match), and each cell's steps run with its `matrix.*` values: one job per scenario × image × start policy, each
 * judged by the RabbitMQ series its image is paired with, each with limits sized from its scenario's drill count
 * (kind-first-run review, item 8). The scenario axis is compared with the scenario registry, and the flags the
 * workflow passes are parsed by warren's own `scenario` command line.
 *
 * Each check returns the problems it found, so it can be pointed at a broken copy too. How we know the checks
 * can fail: the second describe block mutates a structuredClone of the parsed workflow (or a copy of its text)
 * — drops `if: always()` from the upload, gives exit 3 the message of exit 1, removes `set +e`, pipes warren
 * through tee, unpins an action, drops a scenario from the axis, miscounts a timeout's arithmetic, ... — and
 * expects the very check that passes on the real file to report it.
 */
const WORKFLOW_PATH = new URL('../../.github/workflows/nightly-resilience.yml', import.meta.url);

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string | boolean;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
  /** A number, or an expression such as `${{ matrix.step-minutes }}`. */
  'timeout-minutes'?: unknown;
}

interface Job {
  name?: string;
  'runs-on'?: string;
  'timeout-minutes'?: unknown;
  strategy?: { 'fail-fast'?: unknown; matrix?: Matrix };
  steps?: Step[];
}

/** A matrix as written: axes (key → list of values) plus optional `include` and `exclude` lists of partial cells. */
type Matrix = Record<string, unknown> & { include?: unknown; exclude?: unknown };

interface Workflow {
  on?: Record<string, unknown> | null;
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
}

const TEXT = readFileSync(WORKFLOW_PATH, 'utf8');
const WORKFLOW = parse(TEXT) as Workflow;

// ---------------------------------------------------------------------------------------------------------------
// A tiny runner for the workflow's own shell steps: `${{ … }}` expressions (paths, 'literals' and ||) are
// substituted from a context, `env:` is applied, and the step runs under the shell GitHub would use.

type Context = Record<string, string>;

function evaluate(expression: string, context: Context): string {
  for (const operand of expression.split('||').map((part) => part.trim())) {
    const literal = /^'(.*)'$/.exec(operand);
    const value = literal ? literal[1]! : context[operand];
    if (value === undefined) throw new Error(`the test runner does not know the expression "${operand}"`);
    if (value !== '') return value;
  }
  return '';
}

function substitute(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_whole, expression: string) => evaluate(expression, context));
}

/**
 * A step's `if:` in the forms this workflow uses: `always()`, `success()` and `path == 'literal'` / `!=`, joined by
 * `&&`. No `if:` is `success()`, which holds here: the simulations assume the earlier steps passed.
 */
function holds(step: Step, context: Context): boolean {
  if (step.if === undefined) return true;
  const text = String(step.if).trim().replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '');
  return text.split('&&').every((part) => {
    const term = part.trim();
    if (term === 'always()' || term === 'success()') return true;
    const comparison = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(term);
    if (!comparison) throw new Error(`the test runner does not know the condition "${term}"`);
    return ((context[comparison[1]!] ?? '') === comparison[3]) === (comparison[2] === '==');
  });
}

/** `12`, or `${{ matrix.step-minutes }}` resolved in `context`: the minutes, or NaN when it is no number. */
function minutes(value: unknown, context: Context): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  try {
    const text = substitute(value, context).trim();
    return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** GitHub's shells: no `shell:` on Linux is `bash -e {0}` (no pipefail!); `shell: bash` adds pipefail. */
function shellArgs(step: Step): string[] {
  if (step.shell === undefined) return ['-e'];
  if (step.shell === 'bash') return ['--noprofile', '--norc', '-e', '-o', 'pipefail'];
  throw new Error(`step "${step.name ?? step.id}": shell ${step.shell} is not simulated`);
}

interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** What the faked npm was called with, one argument per entry (when faked). */
  npmArgv: string[] | null;
}

const stepRuns = new Map<string, StepRun>();

/**
 * Runs a step's `run:` under bash. With `npmExitCode`, `npm` is a shell function that records its argv and exits
 * with it. A step is a pure function of its text, context and code here, so each distinct run happens once.
 */
function runStep(step: Step, context: Context, npmExitCode?: number): StepRun {
  // Keyed on the context entries the step can read, so a step that reads no matrix value runs once for every cell.
  const text = JSON.stringify(step);
  const read = Object.fromEntries(Object.entries(context).filter(([name]) => text.includes(name)));
  const key = JSON.stringify([step, read, npmExitCode ?? null]);
  const known = stepRuns.get(key);
  if (known) return known;
  const run = spawnStep(step, context, npmExitCode);
  stepRuns.set(key, run);
  return run;
}

function spawnStep(step: Step, context: Context, npmExitCode?: number): StepRun {
  if (step.run === undefined) throw new Error(`step "${step.name ?? step.id ?? step.uses}" has no run:`);
  // Not "warren-…": other tests count new warren-* entries in the temp dir.
  const dir = mkdtempSync(join(tmpdir(), 'nightly-workflow-test-'));
  try {
    const outputFile = join(dir, 'github-output');
    const argvFile = join(dir, 'npm-argv');
    writeFileSync(outputFile, '');
    const fakeNpm = npmExitCode === undefined ? '' : `npm() { printf '%s\\n' "$@" > "$FAKE_NPM_ARGV"; return ${npmExitCode}; }\n`;
    // A short PATH on purpose: the steps need only bash and coreutils, and npx's long PATH made each spawn take
    // ~300 ms here (every directory is searched for bash and tr) against ~5 ms with this one.
    const env: Record<string, string> = { PATH: '/usr/bin:/bin', GITHUB_OUTPUT: outputFile, FAKE_NPM_ARGV: argvFile };
    for (const [key, value] of Object.entries(step.env ?? {})) env[key] = substitute(String(value), context);
    const result = spawnSync('bash', [...shellArgs(step), '-c', fakeNpm + substitute(step.run, context)], { env, cwd: dir, encoding: 'utf8', timeout: 10_000 });
    const outputs: Record<string, string> = {};
    for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
    }
    let npmArgv: string[] | null = null;
    try {
      npmArgv = readFileSync(argvFile, 'utf8').split('\n').slice(0, -1);
    } catch {
      npmArgv = null;
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, outputs, npmArgv };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Finding things in the workflow.

function stepsOf(job: Job | undefined): Step[] {
  return Array.isArray(job?.steps) ? job.steps : [];
}

/** An `if:` under which the step runs even after an earlier step failed or timed out: `always()`, maybe `&& …`. */
function isAlways(condition: unknown): boolean {
  if (typeof condition !== 'string') return false;
  const terms = condition.trim().replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '').split('&&').map((term) => term.trim());
  return terms.includes('always()') && !terms.some((term) => /^(success|failure|cancelled)\(\)$/.test(term) || term.startsWith('!'));
}

const SCENARIO_COMMAND = /\bnpm run scenario\b/;
const E2E_COMMAND = /\bnpx vitest run --project e2e\b/;
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/;

/** One cell of the drills matrix: each key's value as a string (`scenario`, `image`, `start-policy`, `rabbitmq`, …). */
type Cell = Record<string, string>;

function cellLabel(cell: Cell): string {
  return `${cell.scenario}/${cell.image}/${cell['start-policy']}`;
}

/**
 * Every cell of the drills matrix, as GitHub expands it: the product of the axes, less the `exclude` entries; then
 * each `include` entry is added to every combination whose original values it matches (it never overwrites one),
 * or becomes a combination of its own when it matches none.
 */
function cells(workflow: Workflow): Cell[] {
  const matrix: Matrix = workflow.jobs?.drills?.strategy?.matrix ?? {};
  const axes = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude');
  if (axes.length === 0) return [];
  let combinations: Cell[] = [{}];
  for (const [key, values] of axes) {
    const list = Array.isArray(values) ? values.map(String) : [];
    combinations = combinations.flatMap((combination) => list.map((value) => ({ ...combination, [key]: value })));
  }
  const entries = (list: unknown): Record<string, unknown>[] => (Array.isArray(list) ? (list as Record<string, unknown>[]) : []);
  const matches = (cell: Cell, entry: Record<string, unknown>) => Object.entries(entry).every(([key, value]) => !(key in cell) || cell[key] === String(value));
  combinations = combinations.filter((cell) => !entries(matrix.exclude).some((entry) => matches(cell, entry)));
  const originals = combinations.map((cell) => ({ ...cell }));
  for (const entry of entries(matrix.include)) {
    const values = Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, String(value)]));
    const matched = originals.flatMap((original, index) => (matches(original, entry) ? [index] : []));
    if (matched.length === 0) combinations.push(values);
    for (const index of matched) Object.assign(combinations[index]!, values);
  }
  return combinations;
}

/**
 * The cells whose shell steps are run (each bash start costs 5–100 ms, more on a loaded machine): the first cell
 * and every cell that differs from it on one axis only. A step that ignores an axis, or mishandles one of its
 * values, shows on one of them; the checks that need no shell (limits, series, drills) cover every cell.
 */
function sampleCells(workflow: Workflow): Cell[] {
  const all = cells(workflow);
  const first = all[0];
  if (!first) return [];
  const axes = ['scenario', 'image', 'start-policy'];
  return all.filter((cell) => axes.filter((axis) => cell[axis] !== first[axis]).length <= 1);
}

/** The context a cell's steps see: its `matrix.*` values and the dispatch input (empty on a schedule). */
function cellContext(cell: Cell, scenarioInput: string): Context {
  const context: Context = { 'inputs.scenario': scenarioInput, 'github.workflow': 'nightly-resilience' };
  for (const [key, value] of Object.entries(cell)) context[`matrix.${key}`] = value;
  return context;
}

interface DrillsRun {
  problems: string[];
  /** Whether each step of the job runs in this cell (its `if:`, once the earlier steps' outputs are known). */
  runs: boolean[];
  scenario?: StepRun;
  reportDir?: string;
  artifact?: { name: string; path: string };
  verdict?: StepRun;
}

/**
 * One matrix cell of the drills job, scheduled (no inputs) unless `scenarioInput` is given, with warren exiting
 * `code`: the steps whose outputs are used run first, then the scenario step (npm faked), the upload's inputs are
 * resolved, and the last step runs on the code the scenario step recorded, each only when its `if:` holds.
 */
function simulateDrills(workflow: Workflow, cell: Cell, code: number, scenarioInput = ''): DrillsRun {
  const problems: string[] = [];
  const steps = stepsOf(workflow.jobs?.drills);
  const scenarioIndex = steps.findIndex((step) => SCENARIO_COMMAND.test(step.run ?? ''));
  if (scenarioIndex < 0) return { problems: ['drills: no step runs `npm run scenario`'], runs: [] };
  const context = cellContext(cell, scenarioInput);
  const referenced = new Set([...JSON.stringify(steps).matchAll(/steps\.([\w-]+)\.outputs/g)].map((match) => match[1]));
  try {
    for (const step of steps.slice(0, scenarioIndex)) {
      if (step.id === undefined || !referenced.has(step.id) || !holds(step, context)) continue;
      const run = runStep(step, context);
      if (run.status !== 0) problems.push(`drills: step ${step.id} failed (${run.status}): ${run.stderr}`);
      for (const [key, value] of Object.entries(run.outputs)) context[`steps.${step.id}.outputs.${key}`] = value;
    }
    const runs = steps.map((step) => holds(step, context));
    const scenarioStep = steps[scenarioIndex]!;
    const scenario = runs[scenarioIndex] ? runStep(scenarioStep, context, code) : undefined;
    if (scenario && scenarioStep.id !== undefined) {
      for (const [key, value] of Object.entries(scenario.outputs)) context[`steps.${scenarioStep.id}.outputs.${key}`] = value;
    }
    const argv = scenario?.npmArgv ?? [];
    const reportDir = argv.includes('--report-dir') ? argv[argv.indexOf('--report-dir') + 1] : undefined;

    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    const artifact = upload && holds(upload, context) ? { name: substitute(String(upload.with?.name ?? ''), context), path: substitute(String(upload.with?.path ?? ''), context) } : undefined;

    const last = steps.at(-1)!;
    // Outputs of a step that did not record them are empty strings in GitHub's expressions.
    const verdictContext: Context = { ...context };
    for (const match of JSON.stringify(last).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) verdictContext[match[0]] ??= '';
    const verdict = last.run === undefined || !holds(last, verdictContext) ? undefined : runStep(last, verdictContext);
    return { problems, runs, ...(scenario ? { scenario } : {}), ...(reportDir === undefined ? {} : { reportDir }), ...(artifact ? { artifact } : {}), ...(verdict ? { verdict } : {}) };
  } catch (error) {
    return { problems: [...problems, `drills: ${(error as Error).message}`], runs: [] };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What the registry says kind can drill.

/** The capabilities a kind cluster has: each interface whose members KindCluster implements. */
const KIND_CAPABILITIES: readonly Capability[] = CAPABILITIES.filter((capability) =>
  CAPABILITY_MEMBERS[capability].every((member) => typeof (KindCluster.prototype as unknown as Record<string, unknown>)[member] === 'function'),
);

/** The drills (recovery methods) warren runs for `scenario` on kind, judged as `series` under `policy`. */
function kindDrills(scenario: Scenario, series: RabbitMqSeries, policy: (typeof START_POLICIES)[number]): number {
  const release = releasesFor([series], undefined)[0]!;
  if (scenario.fault.notApplicableOn?.(release) !== undefined) return 0;
  const possible = (method: Scenario['methods'][number]) => [...scenario.fault.requires, ...method.recovery.requires].every((capability) => KIND_CAPABILITIES.includes(capability));
  return scenario.methods.filter((method) => possible(method) && expectationOn(method.expected, releaseKey(release), policy) !== undefined).length;
}

/**
 * Of `kindDrills`, those expected to stay down (not-recovered, or a race that may): each may wait out the whole
 * recovery deadline before its verdict. An upper bound: a deadlock, a boot refused every time or credentials refused
 * by settled pods end a wait early (src/run/recovery-wait.ts).
 */
function kindDrillsStayingDown(scenario: Scenario, series: RabbitMqSeries, policy: (typeof START_POLICIES)[number]): number {
  const release = releasesFor([series], undefined)[0]!;
  if (scenario.fault.notApplicableOn?.(release) !== undefined) return 0;
  const possible = (method: Scenario['methods'][number]) => [...scenario.fault.requires, ...method.recovery.requires].every((capability) => KIND_CAPABILITIES.includes(capability));
  const outcomes = scenario.methods.filter(possible).map((method) => expectationOn(method.expected, releaseKey(release), policy)?.outcome);
  return outcomes.filter((outcome) => outcome === 'not-recovered' || outcome === 'race').length;
}

/** The most of `count` in any cell (series × start policy) of `scenario`. */
function mostInACell(scenario: Scenario, count: (scenario: Scenario, series: RabbitMqSeries, policy: (typeof START_POLICIES)[number]) => number): number {
  return Math.max(...RABBITMQ_SERIES.flatMap((series) => START_POLICIES.map((policy) => count(scenario, series, policy))));
}

/** Every registered scenario and variant with a drill on kind, by its `warren list` label: the most drills it runs in a cell. */
const KIND_SCENARIOS: ReadonlyMap<string, number> = new Map(
  [...SCENARIOS.values()]
    .flatMap(withVariants)
    .map((scenario) => [scenarioLabel(scenario), mostInACell(scenario, kindDrills)] as const)
    .filter(([, drills]) => drills > 0),
);

/** The same scenarios: the most drills expected to stay down in a cell (`kindDrillsStayingDown`). */
const KIND_STAYING_DOWN: ReadonlyMap<string, number> = new Map(
  [...SCENARIOS.values()].flatMap(withVariants).map((scenario) => [scenarioLabel(scenario), mostInACell(scenario, kindDrillsStayingDown)] as const),
);

// ---------------------------------------------------------------------------------------------------------------
// The checks: each returns what is wrong (an empty list when nothing is).

function textProblems(text: string): string[] {
  const lines = text.split('\n').flatMap((line, index) => (line.includes('\t') ? [index + 1] : []));
  return lines.length > 0 ? [`tab characters on line(s) ${lines.join(', ')}`] : [];
}

function triggerProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const on = workflow.on ?? {};
  const schedule = on.schedule;
  const crons = Array.isArray(schedule) ? schedule.map((entry) => (entry as { cron?: unknown }).cron) : [];
  if (crons.length === 0) problems.push('on.schedule: no cron');
  for (const cron of crons) if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5) problems.push(`on.schedule: bad cron ${String(cron)}`);
  if (!('workflow_dispatch' in on)) problems.push('on.workflow_dispatch missing');
  const input = (on.workflow_dispatch as { inputs?: { scenario?: { default?: unknown } } } | null | undefined)?.inputs?.scenario;
  if (input?.default !== 'all') problems.push(`on.workflow_dispatch.inputs.scenario.default must be all, got ${String(input?.default)}`);
  const extra = Object.keys(on).filter((key) => key !== 'schedule' && key !== 'workflow_dispatch');
  if (extra.length > 0) problems.push(`unexpected triggers: ${extra.join(', ')}`);
  return problems;
}

function settingsProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  if (JSON.stringify(workflow.permissions) !== JSON.stringify({ contents: 'read' })) problems.push(`permissions must be { contents: read }, got ${JSON.stringify(workflow.permissions)}`);
  const group = (workflow.concurrency as { group?: unknown } | undefined)?.group;
  if (typeof group !== 'string' || group.trim() === '') problems.push('concurrency.group missing');
  // A group keyed by ref/run would let two nightlies overlap.
  if (typeof group === 'string' && /github\.(run_id|run_number|sha|ref)/.test(group)) problems.push(`concurrency.group "${group}" differs between nightlies`);
  return problems;
}

function jobProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const jobs = workflow.jobs ?? {};
  for (const name of ['drills', 'e2e']) if (!(name in jobs)) problems.push(`job ${name} missing`);
  for (const [name, job] of Object.entries(jobs)) {
    if (job['timeout-minutes'] === undefined) problems.push(`job ${name}: no timeout-minutes`);
    if (job['runs-on'] !== 'ubuntu-latest') problems.push(`job ${name}: runs-on ${String(job['runs-on'])}, expected ubuntu-latest`);
  }
  return problems;
}

function matrixProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const strategy = workflow.jobs?.drills?.strategy;
  if (strategy?.['fail-fast'] !== false) problems.push('drills: strategy.fail-fast must be false');
  const policies = strategy?.matrix?.['start-policy'];
  const sorted = Array.isArray(policies) ? policies.map(String).sort() : policies;
  if (JSON.stringify(sorted) !== JSON.stringify(['OrderedReady', 'Parallel'])) problems.push(`drills: start-policy must be OrderedReady and Parallel, got ${JSON.stringify(policies)}`);
  return problems;
}

/**
 * The series whose expectations judge an image, by the image's release (kind-first-run review, "3.13.7 and 4.1.4
 * both run Mnesia"): 3.13 as 3.10 (Mnesia, the same table wait, force_load and default user); 4.0 and 4.1 as 4.0
 * (khepri_db still experimental there: Mnesia, 4.0's default store); 4.2 and later as 4.3 (khepri_db stable
 * from 4.2.0, the store of a new cluster: 4.3's Khepri).
 */
const SERIES_OF_IMAGE: readonly [RegExp, RabbitMqSeries][] = [
  [/^rabbitmq:3\.13\.\d+(-management)?$/, '3.10'],
  [/^rabbitmq:4\.[01]\.\d+(-management)?$/, '4.0'],
  [/^rabbitmq:4\.([2-9]|\d{2,})\.\d+(-management)?$/, '4.3'],
];

/** One image of each kind (3.13.x, 4.0/4.1.x, 4.2+), each cell passing the series its image is judged by. */
function seriesProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const images = workflow.jobs?.drills?.strategy?.matrix?.image;
  const list = Array.isArray(images) ? images.map(String) : [];
  for (const [pattern, series] of SERIES_OF_IMAGE) {
    const found = list.filter((image) => pattern.test(image));
    if (found.length !== 1) problems.push(`drills: expected one image judged as ${series} (${pattern.source}), got ${JSON.stringify(found)}`);
  }
  for (const image of list) if (!SERIES_OF_IMAGE.some(([pattern]) => pattern.test(image))) problems.push(`drills: no series judges image ${image}`);
  for (const cell of cells(workflow)) {
    const expected = SERIES_OF_IMAGE.find(([pattern]) => pattern.test(cell.image ?? ''))?.[1];
    if (expected !== undefined && cell.rabbitmq !== expected) problems.push(`${cellLabel(cell)}: judged as rabbitmq ${String(cell.rabbitmq)}, expected ${expected}`);
  }
  return problems;
}

/**
 * The scenario axis is every registered scenario and variant with a drill on kind (upgrade has none: a kind
 * cluster cannot change its image), each once; the dispatch input offers exactly those and all; each scenario's
 * `drills` figure is its count of recovery methods, its `stay-down` figure the most of them expected to stay down in
 * one cell.
 */
function scenarioAxisProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const axis = workflow.jobs?.drills?.strategy?.matrix?.scenario;
  const list = Array.isArray(axis) ? axis.map(String) : [];
  if (list.length === 0) problems.push('drills: no scenario axis');
  for (const label of KIND_SCENARIOS.keys()) if (!list.includes(label)) problems.push(`drills: scenario axis lacks ${label}`);
  for (const label of list) if (!KIND_SCENARIOS.has(label)) problems.push(`drills: scenario axis has ${label}, which is not a registered scenario kind can drill`);
  if (new Set(list).size !== list.length) problems.push(`drills: scenario axis lists a scenario twice: ${JSON.stringify(list)}`);
  const input = (workflow.on?.workflow_dispatch as { inputs?: { scenario?: { type?: unknown; options?: unknown } } } | null | undefined)?.inputs?.scenario;
  if (input?.type !== 'choice') problems.push(`on.workflow_dispatch.inputs.scenario must be a choice (a typo would select no cell), got ${String(input?.type)}`);
  const options = Array.isArray(input?.options) ? input.options.map(String) : [];
  if (JSON.stringify([...options].sort()) !== JSON.stringify(['all', ...list].sort())) problems.push(`on.workflow_dispatch.inputs.scenario.options must be all and the scenario axis, got ${JSON.stringify(options)}`);
  for (const cell of cells(workflow)) {
    const drills = KIND_SCENARIOS.get(cell.scenario ?? '');
    if (drills !== undefined && cell.drills !== String(drills)) problems.push(`${cellLabel(cell)}: drills ${String(cell.drills)}, but ${cell.scenario} has ${drills} recovery methods to drill on kind`);
    const down = KIND_STAYING_DOWN.get(cell.scenario ?? '');
    if (drills !== undefined && cell['stay-down'] !== String(down)) problems.push(`${cellLabel(cell)}: stay-down ${String(cell['stay-down'])}, but up to ${String(down)} of ${cell.scenario}'s drills in a cell are expected to stay down`);
  }
  return problems;
}

/** Which cells run: all on a schedule or with `all`; with one scenario, only its cells, and nothing after the naming step in the others. */
function selectionProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const sample = sampleCells(workflow);
  // A variant's label has a space: it shows that the cell compares the whole label, not its first word.
  const named = sample.find((cell) => cell.scenario?.includes(' '))?.scenario ?? sample[0]?.scenario ?? '';
  const runs: [string, Cell[]][] = [['', sample], ['all', sample.slice(0, 1)], [named, sample]];
  for (const [pick, picked] of runs) {
    for (const cell of picked) {
      const run = simulateDrills(workflow, cell, 0, pick);
      problems.push(...run.problems);
      const label = `${pick || 'schedule'}: ${cellLabel(cell)}`;
      const selected = pick === '' || pick === 'all' || pick === cell.scenario;
      if (selected && run.runs.some((runs) => !runs)) problems.push(`${label}: steps ${run.runs.flatMap((runs, index) => (runs ? [] : [index])).join(', ')} do not run in a cell that was asked for`);
      if (!selected && run.runs.slice(1).some(Boolean)) problems.push(`${label}: steps ${run.runs.flatMap((runs, index) => (runs && index > 0 ? [index] : [])).join(', ')} run in a cell that was not asked for`);
      if (selected && run.scenario?.npmArgv?.[2] !== cell.scenario?.split(' ')[0]) problems.push(`${label}: ran ${JSON.stringify(run.scenario?.npmArgv)}`);
    }
  }
  return problems;
}

/** kind from a pinned release to /usr/local/bin, helm through azure/setup-helm with a pinned version, kubectl checked: all before the step that needs them. */
function toolProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const needs: Record<string, RegExp> = { drills: SCENARIO_COMMAND, e2e: E2E_COMMAND };
  for (const [jobName, usesTools] of Object.entries(needs)) {
    const steps = stepsOf(workflow.jobs?.[jobName]);
    const userIndex = steps.findIndex((step) => usesTools.test(step.run ?? ''));
    if (userIndex < 0) {
      problems.push(`${jobName}: no step runs ${usesTools.source}`);
      continue;
    }
    const before = steps.slice(0, userIndex);
    const kind = before.find((step) => /\bcurl\b.*kind/.test(step.run ?? ''));
    if (!kind) problems.push(`${jobName}: kind is not installed (curl) before it is used`);
    else {
      if (!/https:\/\/(kind\.sigs\.k8s\.io\/dl|github\.com\/kubernetes-sigs\/kind\/releases\/download)\/v\d+\.\d+\.\d+\/kind-linux-amd64/.test(kind.run!)) {
        problems.push(`${jobName}: kind is not downloaded from a pinned release (vX.Y.Z)`);
      }
      if (!/\/usr\/local\/bin/.test(kind.run!)) problems.push(`${jobName}: kind is not installed to /usr/local/bin`);
    }
    const helm = before.find((step) => step.uses?.startsWith('azure/setup-helm@'));
    if (!helm) problems.push(`${jobName}: helm is not installed with azure/setup-helm before it is used`);
    else if (!/^v\d+\.\d+\.\d+$/.test(String(helm.with?.version ?? ''))) problems.push(`${jobName}: azure/setup-helm has no pinned version (with.version vX.Y.Z)`);
    if (!before.some((step) => /\bkubectl version --client\b/.test(step.run ?? ''))) problems.push(`${jobName}: kubectl is not checked (kubectl version --client)`);
  }
  return problems;
}

function pinProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
    for (const step of stepsOf(job)) {
      if (step.uses !== undefined && !/^[\w.-]+\/[\w./-]+@v\d+(\.\d+){0,2}$/.test(step.uses)) problems.push(`${name}: "${step.uses}" is not pinned to a version tag`);
    }
  }
  return problems;
}

function setupProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
    const steps = stepsOf(job);
    if (!steps.some((step) => step.uses?.startsWith('actions/checkout@'))) problems.push(`${name}: no actions/checkout`);
    const node = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    if (String(node?.with?.['node-version']) !== '20' || node?.with?.cache !== 'npm') problems.push(`${name}: actions/setup-node must use node-version 20 with cache npm`);
    if (!steps.some((step) => step.run?.trim() === 'npm ci')) problems.push(`${name}: no npm ci`);
  }
  return problems;
}

/** The recovery deadline on kind (review item 2: the fault and an ordered restart take minutes there; 120 s is local's). */
const KIND_RECOVERY_TIMEOUT = '600';

/**
 * The scenario step, run for every matrix cell: warren's flags, and its exit code recorded without failing the step.
 * Warren's own command line must accept what the workflow passes (parsed as `npm run scenario` hands it over).
 */
function scenarioProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const all = sampleCells(workflow);
  if (all.length === 0) return ['drills: empty matrix'];
  for (const [index, cell] of all.entries()) {
    const label = cellLabel(cell);
    // The step's text is the same in every cell: its handling of a failing warren is checked on the first.
    for (const code of index === 0 ? [0, 1, 3] : [0]) {
      const run = simulateDrills(workflow, cell, code);
      problems.push(...run.problems);
      if (!run.scenario) {
        if (run.problems.length === 0) problems.push(`${label}: the scenario step does not run on a schedule`);
        continue;
      }
      if (run.scenario.status !== 0) problems.push(`${label}: the scenario step fails when warren exits ${code}; it must record the code and go on`);
      if (run.scenario.outputs.code !== String(code)) problems.push(`${label}: warren exited ${code} but the step recorded code=${String(run.scenario.outputs.code)}`);
      if (code !== 0) continue;
      const argv = run.scenario.npmArgv ?? [];
      const words = (cell.scenario ?? '').split(' ');
      const flags = argv.slice(argv.indexOf('--') + 1);
      const value = (flag: string) => (flags.includes(flag) ? flags[flags.indexOf(flag) + 1] : undefined);
      if (JSON.stringify(argv.slice(0, 4)) !== JSON.stringify(['run', 'scenario', words[0], '--'])) problems.push(`${label}: the cell must run npm run scenario ${words[0]} -- …, got ${JSON.stringify(argv)}`);
      if (JSON.stringify(flags.slice(0, words.length - 1)) !== JSON.stringify(words.slice(1))) problems.push(`${label}: the variant's selector ${JSON.stringify(words.slice(1))} not passed first (${JSON.stringify(argv)})`);
      if (value('--platform') !== 'kind') problems.push(`${label}: --platform kind not passed (${JSON.stringify(argv)})`);
      if (value('--image') !== cell.image) problems.push(`${label}: --image ${cell.image} not passed (${JSON.stringify(argv)})`);
      if (value('--start-policy') !== cell['start-policy']) problems.push(`${label}: --start-policy ${cell['start-policy']} not passed (${JSON.stringify(argv)})`);
      if (value('--rabbitmq') !== cell.rabbitmq || !(RABBITMQ_SERIES as readonly string[]).includes(value('--rabbitmq') ?? '')) problems.push(`${label}: --rabbitmq ${String(cell.rabbitmq)} (the cell's series) not passed (${JSON.stringify(argv)})`);
      if (value('--recovery-timeout') !== KIND_RECOVERY_TIMEOUT) problems.push(`${label}: --recovery-timeout ${KIND_RECOVERY_TIMEOUT} not passed (${JSON.stringify(argv)})`);
      const reportDir = value('--report-dir');
      if (!reportDir || reportDir.startsWith('-')) problems.push(`${label}: no --report-dir (${JSON.stringify(argv)})`);
      // Every flag must parse, so a typo or a value out of range fails here and not at 02:23.
      const cli = [argv[2] ?? '', ...flags];
      try {
        const parsed = parseScenarioArgs(cli, SCENARIOS);
        if (parsed.platform !== 'kind' || parsed.recoveryTimeoutMs !== Number(KIND_RECOVERY_TIMEOUT) * 1_000) problems.push(`${label}: warren parsed ${JSON.stringify(cli)} as ${parsed.platform} with ${parsed.recoveryTimeoutMs} ms to recover`);
      } catch (error) {
        problems.push(`${label}: warren refuses ${JSON.stringify(cli)}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** The review's upper estimate for one drill (one recovery method) on a 4-vCPU runner, in minutes. */
const DRILL_MINUTES = 6;
/** Creating the kind cluster, loading the image and deleting the cluster, once per job (the review's estimate), in minutes. */
const CLUSTER_MINUTES = 5;
/** What a drill that stays down may wait on top of that: the whole recovery deadline (`--recovery-timeout 600`), in minutes. */
const DEADLINE_MINUTES = Number(KIND_RECOVERY_TIMEOUT) / 60;
/** The review's floor for the e2e job, in minutes. */
const E2E_MINUTES = 45;

/** vitest.config.ts's e2e project: the test and hook timeouts the e2e step must outlast. */
function e2eBoundsMinutes(): number {
  const projects = (vitestConfig as { test?: { projects?: { test?: { name?: string; testTimeout?: number; hookTimeout?: number } }[] } }).test?.projects ?? [];
  const e2e = projects.find((project) => project.test?.name === 'e2e')?.test;
  if (e2e?.testTimeout === undefined || e2e.hookTimeout === undefined) throw new Error('vitest.config.ts: no e2e project with testTimeout and hookTimeout');
  // One test at its limit, beforeAll and afterAll at theirs.
  return Math.ceil((e2e.testTimeout + 2 * e2e.hookTimeout) / 60_000);
}

/**
 * Every job and every step that drills has a limit, sized from the review's estimate: a drills step at least
 * its scenario's drills × 6 min and the whole recovery deadline for each drill expected to stay down, each job longer
 * than its step (so a cut-short step still leaves time to upload
 * the report and give the verdict), the e2e step at least 45 min and past vitest's own e2e limits.
 */
function timeoutProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const drills = workflow.jobs?.drills;
  const steps = stepsOf(drills);
  const scenarioStep = steps.find((step) => SCENARIO_COMMAND.test(step.run ?? ''));
  for (const cell of cells(workflow)) {
    const label = cellLabel(cell);
    const context = cellContext(cell, '');
    const job = minutes(drills?.['timeout-minutes'], context);
    const step = minutes(scenarioStep?.['timeout-minutes'], context);
    if (!Number.isInteger(job) || job <= 0) problems.push(`${label}: the job has no timeout-minutes (${String(drills?.['timeout-minutes'])})`);
    if (!Number.isInteger(step) || step <= 0) problems.push(`${label}: the drills step has no timeout-minutes (${String(scenarioStep?.['timeout-minutes'])})`);
    const count = KIND_SCENARIOS.get(cell.scenario ?? '');
    const down = KIND_STAYING_DOWN.get(cell.scenario ?? '') ?? 0;
    if (count !== undefined && step < count * DRILL_MINUTES + down * DEADLINE_MINUTES) {
      problems.push(`${label}: the drills step may take ${step} min, less than ${count} drills × ${DRILL_MINUTES} min + ${down} staying down × ${DEADLINE_MINUTES} min`);
    }
    // The workflow's own formula (its header): the limit follows the registry's counts, not only a comment that adds up.
    const formula = `${count} × ${DRILL_MINUTES} + ${CLUSTER_MINUTES} + ${down} × ${DEADLINE_MINUTES} + ${DEADLINE_MINUTES}`;
    const sized = (count ?? 0) * DRILL_MINUTES + CLUSTER_MINUTES + down * DEADLINE_MINUTES + DEADLINE_MINUTES;
    if (count !== undefined && Number.isInteger(step) && step !== sized) problems.push(`${label}: the drills step is ${step} min, but ${formula} = ${sized}`);
    if (job <= step) problems.push(`${label}: the job's ${job} min must outlast its drills step's ${step} min, or a cut-short drill leaves no report`);
  }
  const e2e = workflow.jobs?.e2e;
  const test = stepsOf(e2e).find((step) => E2E_COMMAND.test(step.run ?? ''));
  const job = minutes(e2e?.['timeout-minutes'], {});
  const step = minutes(test?.['timeout-minutes'], {});
  const floor = Math.max(E2E_MINUTES, e2eBoundsMinutes());
  if (!(step >= floor)) problems.push(`e2e: the e2e step may take ${String(test?.['timeout-minutes'])} min, less than ${floor} (the review's ${E2E_MINUTES}, vitest's e2e limits ${e2eBoundsMinutes()})`);
  if (!(job > step)) problems.push(`e2e: the job's ${String(e2e?.['timeout-minutes'])} min must outlast its e2e step's ${String(test?.['timeout-minutes'])} min`);
  return problems;
}

/** `7 × 6 + 5 + 10`: products (× or *) summed. */
function arithmetic(expression: string): number {
  return expression.split('+').reduce((sum, term) => sum + term.split(/[×*]/).reduce((product, factor) => product * Number(factor.trim()), 1), 0);
}

/**
 * Every `…minutes:` line (a limit, or a figure a limit reads from the matrix) carries a comment; on a number the
 * comment shows the arithmetic that gives it (`# 7 × 6 + 5 + 5 × 10 + 10 = 107`) and the arithmetic adds up to that number.
 */
function timeoutCommentProblems(text: string): string[] {
  const problems: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const found = /^\s*(?:-\s+)?([\w-]*minutes):\s*([^#]*?)\s*(?:#\s*(.*))?$/.exec(line);
    if (!found) continue;
    const [, key, value, comment] = found;
    const where = `line ${index + 1} (${key}: ${value})`;
    if (!comment) {
      problems.push(`${where}: no comment with the arithmetic behind it`);
      continue;
    }
    if (!/^\d+$/.test(value!)) continue;
    const sum = /(\d+(?:\s*[×*+]\s*\d+)+)\s*=\s*(\d+)/.exec(comment);
    if (!sum) problems.push(`${where}: the comment "${comment}" shows no arithmetic (a × b + c = n)`);
    else if (arithmetic(sum[1]!) !== Number(sum[2])) problems.push(`${where}: ${sum[1]} is ${arithmetic(sum[1]!)}, not ${sum[2]}`);
    else if (Number(sum[2]) !== Number(value)) problems.push(`${where}: the comment adds up to ${sum[2]}, the limit is ${value}`);
  }
  return problems;
}

/** kind's known issues: inotify watches ≥ 524288 and instances ≥ 512, raised in every job before kind creates a cluster. */
function inotifyProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const needs: Record<string, RegExp> = { drills: SCENARIO_COMMAND, e2e: E2E_COMMAND };
  for (const [jobName, createsClusters] of Object.entries(needs)) {
    const steps = stepsOf(workflow.jobs?.[jobName]);
    const userIndex = steps.findIndex((step) => createsClusters.test(step.run ?? ''));
    const before = steps.slice(0, Math.max(userIndex, 0)).map((step) => step.run ?? '').join('\n');
    for (const [name, floor] of [['max_user_watches', 524_288], ['max_user_instances', 512]] as const) {
      const set = new RegExp(`^\\s*sudo sysctl (?:-w )?fs\\.inotify\\.${name}=(\\d+)\\s*$`, 'm').exec(before);
      if (!set) problems.push(`${jobName}: fs.inotify.${name} is not raised (sudo sysctl) before kind creates a cluster`);
      else if (Number(set[1]) < floor) problems.push(`${jobName}: fs.inotify.${name}=${set[1]} is below kind's ${floor}`);
    }
  }
  return problems;
}

/**
 * Every cell, not only the sample: warren accepts the cell's flags and has at least one expectation to judge its
 * drills by under the cell's start policy on its series (a Parallel cell of a scenario measured only under
 * OrderedReady is refused with exit 2: it must be excluded from the matrix).
 */
function drillableProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const cell of cells(workflow)) {
    const argv = [...(cell.scenario ?? '').split(' '), '--platform', 'kind', '--image', cell.image ?? '', '--rabbitmq', String(cell.rabbitmq), '--start-policy', cell['start-policy'] ?? '', '--recovery-timeout', KIND_RECOVERY_TIMEOUT];
    try {
      const parsed = parseScenarioArgs(argv, SCENARIOS);
      if (parsed.runs.every((run) => run.methods.length === 0)) problems.push(`${cellLabel(cell)}: nothing to drill`);
    } catch (error) {
      problems.push(`${cellLabel(cell)}: warren refuses it: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** The upload: after the drills, `if: always()`, the report dir the drills wrote, a unique valid name per cell (of the sample: see sampleCells). */
function uploadProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const steps = stepsOf(workflow.jobs?.drills);
  const uploadIndex = steps.findIndex((step) => step.uses?.startsWith('actions/upload-artifact@'));
  const scenarioIndex = steps.findIndex((step) => SCENARIO_COMMAND.test(step.run ?? ''));
  if (uploadIndex < 0) return ['drills: no actions/upload-artifact step'];
  if (uploadIndex < scenarioIndex) problems.push('drills: the report is uploaded before the drills ran');
  // Without always() a failed or timed-out drills step would skip the upload: no report for the failure that needs it.
  if (!isAlways(steps[uploadIndex]!.if)) problems.push(`drills: the upload must run with if: always(), has if: ${String(steps[uploadIndex]!.if)}`);
  const names = new Set<string>();
  for (const cell of sampleCells(workflow)) {
    const run = simulateDrills(workflow, cell, 0);
    problems.push(...run.problems);
    if (!run.artifact) {
      problems.push(`${cellLabel(cell)}: the report is not uploaded on a schedule`);
      continue;
    }
    if (run.artifact.path !== run.reportDir) problems.push(`drills: uploads ${run.artifact.path} but the report went to ${String(run.reportDir)}`);
    if (run.artifact.name === '' || ARTIFACT_NAME_FORBIDDEN.test(run.artifact.name)) problems.push(`drills: artifact name "${run.artifact.name}" is not valid`);
    names.add(run.artifact.name);
  }
  const count = sampleCells(workflow).length;
  if (names.size !== count) problems.push(`drills: artifact names are not unique per matrix cell: ${names.size} names for ${count} cells, e.g. ${JSON.stringify([...names].slice(0, 3))}`);
  return problems;
}

const FINDING = /^::error::RabbitMQ finding: at least one recovery method missed its expectation/m;
const HARNESS = /^::error::harness or environment failure/m;

/** The last step, run on what the scenario step recorded: 0 passes, every other code fails with its own error. */
function verdictProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const steps = stepsOf(workflow.jobs?.drills);
  const last = steps.at(-1);
  if (!last?.run || !/steps\.[\w-]+\.outputs\.code/.test(JSON.stringify(last))) return ['drills: the last step does not read the exit code the drills recorded'];
  if (!isAlways(last.if)) problems.push('drills: the verdict must run with if: always(), or a timed-out drill goes without one');
  const cell = cells(workflow)[0];
  if (!cell) return [...problems, 'drills: empty matrix'];
  const messages = new Map<number, string>();
  for (const code of [0, 1, 2, 3, 130, 42]) {
    const run = simulateDrills(workflow, cell, code);
    problems.push(...run.problems);
    if (!run.verdict) continue;
    const error = run.verdict.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';
    if (code === 0) {
      if (run.verdict.status !== 0) problems.push(`the verdict fails on exit 0 (status ${run.verdict.status})`);
      if (error) problems.push(`the verdict reports an error on exit 0: ${error}`);
      continue;
    }
    if (run.verdict.status === 0) problems.push(`the verdict passes on exit ${code}`);
    if (!error) problems.push(`the verdict prints no ::error:: on exit ${code}`);
    messages.set(code, error);
  }
  if (!FINDING.test(messages.get(1) ?? '')) problems.push(`exit 1 must be reported as a RabbitMQ finding, got "${messages.get(1)}"`);
  if (!HARNESS.test(messages.get(3) ?? '')) problems.push(`exit 3 must be reported as a harness or environment failure, got "${messages.get(3)}"`);
  if (HARNESS.test(messages.get(1) ?? '') || FINDING.test(messages.get(3) ?? '')) problems.push('exit 1 and exit 3 are confused: a finding must never read as a harness failure, nor the reverse');
  if (new Set(messages.values()).size !== messages.size) problems.push(`two exit codes share a message: ${JSON.stringify([...messages])}`);
  // The drills step timed out or was never reached: the verdict runs on an empty code and must still fail.
  const empty: Context = Object.fromEntries([...JSON.stringify(last).matchAll(/steps\.[\w-]+\.outputs\.[\w-]+/g)].map((match) => [match[0], '']));
  try {
    if (runStep(last, empty).status === 0) problems.push('the verdict passes when the drills recorded no exit code');
  } catch (error) {
    problems.push(`drills: ${(error as Error).message}`);
  }
  return problems;
}

function e2eProblems(workflow: Workflow): string[] {
  const steps = stepsOf(workflow.jobs?.e2e);
  const test = steps.find((step) => E2E_COMMAND.test(step.run ?? ''));
  if (!test) return ['e2e: no step runs npx vitest run --project e2e'];
  // Where the nightly runs it, a skip (tools missing) must fail instead of passing quietly.
  return String(test.env?.WARREN_E2E_REQUIRE) === '1' ? [] : ['e2e: the e2e step must set WARREN_E2E_REQUIRE=1'];
}

// ---------------------------------------------------------------------------------------------------------------

describe('nightly-resilience workflow', () => {
  it('is YAML without tab characters', () => {
    expect(textProblems(TEXT)).toEqual([]);
  });

  it('runs nightly on a schedule and by hand (scenario input, default all), read-only, never two at once', () => {
    expect(triggerProblems(WORKFLOW)).toEqual([]);
    expect(settingsProblems(WORKFLOW)).toEqual([]);
  });

  it('has the drills and e2e jobs, each with timeout-minutes, on ubuntu-latest', () => {
    expect(jobProblems(WORKFLOW)).toEqual([]);
  });

  it('runs one job per scenario × image × start policy, without fail-fast', () => {
    expect(matrixProblems(WORKFLOW)).toEqual([]);
    // Every OrderedReady cell; Parallel only where warren has expectations under it (see drillableProblems).
    const all = cells(WORKFLOW);
    expect(all.filter((cell) => cell['start-policy'] === 'OrderedReady')).toHaveLength(KIND_SCENARIOS.size * SERIES_OF_IMAGE.length);
    expect(new Set(all.filter((cell) => cell['start-policy'] === 'Parallel').map((cell) => cell.scenario))).toEqual(new Set(['full-shutdown', 'delete-all-pods', 'fresh-formation']));
    expect(all).toHaveLength((KIND_SCENARIOS.size + 3) * SERIES_OF_IMAGE.length);
    expect(START_POLICIES).toHaveLength(2);
  });

  it('drills every registered scenario kind can run (not upgrade), each with its count of recovery methods, and offers each by hand', () => {
    expect(KIND_SCENARIOS.has('upgrade')).toBe(false);
    expect(KIND_SCENARIOS.get('full-shutdown')).toBe(7);
    expect(scenarioAxisProblems(WORKFLOW)).toEqual([]);
  });

  it("runs every cell on a schedule, and only the named scenario's cells by hand", () => {
    expect(selectionProblems(WORKFLOW)).toEqual([]);
  });

  it('pairs a 3.13.x, a 4.0/4.1.x and a 4.2+ image with the series whose expectations judge them (3.10, 4.0, 4.3)', () => {
    expect(seriesProblems(WORKFLOW)).toEqual([]);
  });

  it("sizes every job's and drill step's limit from its scenario's drills (review: up to 6 min each) and e2e at 45 min or more", () => {
    expect(timeoutProblems(WORKFLOW)).toEqual([]);
  });

  it('writes the arithmetic behind each limit next to it, and it adds up', () => {
    expect(timeoutCommentProblems(TEXT)).toEqual([]);
  });

  it("raises the inotify limits kind's known issues ask for, in both jobs, before any cluster exists", () => {
    expect(inotifyProblems(WORKFLOW)).toEqual([]);
  });

  it('checks out, sets up Node 20 with the npm cache, and runs npm ci in every job', () => {
    expect(setupProblems(WORKFLOW)).toEqual([]);
  });

  it('installs kind and helm at pinned versions and checks kubectl before using them', () => {
    expect(toolProblems(WORKFLOW)).toEqual([]);
  });

  it('pins every action to a version tag', () => {
    expect(pinProblems(WORKFLOW)).toEqual([]);
  });

  it('runs warren with the cell scenario, --platform kind, its image, series and start policy, --recovery-timeout 600 and a report dir, recording its exit code without failing', () => {
    expect(scenarioProblems(WORKFLOW)).toEqual([]);
  });

  it('has only cells warren can judge: Parallel only for scenarios with expectations under Parallel', () => {
    expect(drillableProblems(WORKFLOW)).toEqual([]);
  });

  it('uploads the report dir with if: always(), under a unique artifact name per matrix cell', () => {
    expect(uploadProblems(WORKFLOW)).toEqual([]);
  });

  it('ends with a verdict that tells a RabbitMQ finding (1) from a harness failure (3), and passes only on 0', () => {
    expect(verdictProblems(WORKFLOW)).toEqual([]);
  });

  it('runs the e2e project and refuses to skip it there', () => {
    expect(e2eProblems(WORKFLOW)).toEqual([]);
  });
});

/** Mutates one copy of the workflow; each check must catch the change that breaks what it guards. */
type Mutation = (workflow: Workflow) => void;

function step(workflow: Workflow, job: string, match: (step: Step) => boolean): Step {
  const found = stepsOf(workflow.jobs?.[job]).find(match);
  if (!found) throw new Error(`test setup: no such step in ${job}`);
  return found;
}

/** A check's problems on the real file, computed once: the checks that run steps spawn bash dozens of times. */
const realFileProblems = new Map<(workflow: Workflow) => string[], string[]>();
function onRealFile(check: (workflow: Workflow) => string[]): string[] {
  if (!realFileProblems.has(check)) realFileProblems.set(check, check(WORKFLOW));
  return realFileProblems.get(check)!;
}

const scenarioStep = (workflow: Workflow) => step(workflow, 'drills', (s) => SCENARIO_COMMAND.test(s.run ?? ''));
const uploadStep = (workflow: Workflow) => step(workflow, 'drills', (s) => s.uses?.startsWith('actions/upload-artifact@') === true);
const verdictStep = (workflow: Workflow) => stepsOf(workflow.jobs?.drills).at(-1)!;
const axisOf = (workflow: Workflow) => workflow.jobs!.drills!.strategy!.matrix!.scenario as string[];
const dispatchInput = (workflow: Workflow) => (workflow.on!.workflow_dispatch as { inputs: { scenario: { type: string; options: string[] } } }).inputs.scenario;
const dispatchOptions = (workflow: Workflow) => dispatchInput(workflow).options;
/** The include entry that sets `key` to `value` (the pairing of an image, the budget of a scenario). */
function includeFor(workflow: Workflow, key: string, value: string): Record<string, unknown> {
  const found = (workflow.jobs!.drills!.strategy!.matrix!.include as Record<string, unknown>[]).find((entry) => entry[key] === value);
  if (!found) throw new Error(`test setup: no include entry with ${key}: ${value}`);
  return found;
}

describe('the checks catch a broken workflow (each mutates a copy of the parsed file)', () => {
  it.each<[string, Mutation, (workflow: Workflow) => string[], RegExp]>([
    ['Parallel cells of scenarios never drilled under Parallel', (w) => delete w.jobs!.drills!.strategy!.matrix!.exclude, drillableProblems, /mismatched-cookie.*Parallel.*warren refuses it: .*never drilled on 3\.10\/mnesia under Parallel/],
    ['upload without if: always()', (w) => delete uploadStep(w).if, uploadProblems, /if: always\(\)/],
    ['upload only on success', (w) => void (uploadStep(w).if = 'success()'), uploadProblems, /if: always\(\)/],
    ['upload of another dir', (w) => void (uploadStep(w).with!.path = 'reports'), uploadProblems, /uploads reports but/],
    ['one artifact name for every cell', (w) => void (uploadStep(w).with!.name = 'warren-report'), uploadProblems, /not unique/],
    ['exit 3 worded like exit 1', (w) => void (verdictStep(w).run = verdictStep(w).run!.replace('harness or environment failure (warren could not run the drills)', 'RabbitMQ finding: at least one recovery method missed its expectation (see the report artifact)')), verdictProblems, /exit 3 must be reported/],
    ['exit 1 passing', (w) => void (verdictStep(w).run = verdictStep(w).run!.replace(/(\n\s*1\)[^\n]*\n[^\n]*\n\s*)exit 1/, '$1true')), verdictProblems, /passes on exit 1/],
    ['an unknown code passing', (w) => void (verdictStep(w).run = verdictStep(w).run!.replace(/(\n\s*\*\)[^\n]*\n[^\n]*\n\s*)exit 1/, '$1true')), verdictProblems, /passes on exit 42/],
    ['no set +e before warren', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace('set +e', '')), scenarioProblems, /step fails when warren exits 1/],
    ['warren piped through tee', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/(npm run scenario[^\n]*)/, '$1 | tee warren.out')), scenarioProblems, /exited 1 but the step recorded code=0/],
    ['no --platform kind', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace('--platform kind', '')), scenarioProblems, /--platform kind not passed/],
    ['the image not passed', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/--image "?\$\{\{ matrix\.image \}\}"?/, '')), scenarioProblems, /--image rabbitmq:3\.13\.7-management not passed/],
    ['no --report-dir', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/--report-dir "[^"]*"/, '')), scenarioProblems, /no --report-dir/],
    ['an action on a branch', (w) => void (step(w, 'e2e', (s) => s.uses?.startsWith('actions/checkout@') === true).uses = 'actions/checkout@main'), pinProblems, /actions\/checkout@main" is not pinned/],
    ['kind from latest', (w) => void (step(w, 'drills', (s) => /curl/.test(s.run ?? '')).run = 'curl -fsSLo ./kind https://kind.sigs.k8s.io/dl/latest/kind-linux-amd64\nsudo install ./kind /usr/local/bin/kind'), toolProblems, /drills: kind is not downloaded from a pinned release/],
    ['helm unpinned', (w) => void delete step(w, 'e2e', (s) => s.uses?.startsWith('azure/setup-helm@') === true).with, toolProblems, /e2e: azure\/setup-helm has no pinned version/],
    ['e2e without timeout-minutes', (w) => void delete w.jobs!.e2e!['timeout-minutes'], jobProblems, /job e2e: no timeout-minutes/],
    ['e2e job without a limit', (w) => void delete w.jobs!.e2e!['timeout-minutes'], timeoutProblems, /e2e: the job's undefined min must outlast/],
    ['only 4.x images', (w) => void (w.jobs!.drills!.strategy!.matrix!.image = ['rabbitmq:4.1.4-management', 'rabbitmq:4.0.9-management', 'rabbitmq:4.2.5-management']), seriesProblems, /one image judged as 3\.10/],
    ['no 4.2+ (Khepri) image', (w) => void (w.jobs!.drills!.strategy!.matrix!.image = ['rabbitmq:3.13.7-management', 'rabbitmq:4.1.4-management']), seriesProblems, /one image judged as 4\.3/],
    ['4.2.5 judged as 4.0 (Mnesia)', (w) => void (includeFor(w, 'image', 'rabbitmq:4.2.5-management').rabbitmq = '4.0'), seriesProblems, /4\.2\.5-management\/.*: judged as rabbitmq 4\.0, expected 4\.3/],
    ['a scenario missing from the axis', (w) => void (w.jobs!.drills!.strategy!.matrix!.scenario = axisOf(w).filter((name) => name !== 'scale-down')), scenarioAxisProblems, /scenario axis lacks scale-down/],
    ['upgrade on the axis', (w) => void axisOf(w).push('upgrade'), scenarioAxisProblems, /has upgrade, which is not a registered scenario kind can drill/],
    ['the rolling variant missing from the axis', (w) => void (w.jobs!.drills!.strategy!.matrix!.scenario = axisOf(w).filter((name) => !name.includes('rolling'))), scenarioAxisProblems, /lacks mismatched-cookie --rollout rolling/],
    ['a dispatch option the axis lacks', (w) => void dispatchOptions(w).push('upgrade'), scenarioAxisProblems, /options must be all and the scenario axis/],
    ['a free-text dispatch input', (w) => void (dispatchInput(w).type = 'string'), scenarioAxisProblems, /must be a choice/],
    ['full-shutdown counted as 6 drills', (w) => void (includeFor(w, 'scenario', 'full-shutdown').drills = 6), scenarioAxisProblems, /full-shutdown\/.*: drills 6, but full-shutdown has 7/],
    ['every cell selected by hand', (w) => void (step(w, 'drills', (s) => s.id === 'cell').run = step(w, 'drills', (s) => s.id === 'cell').run!.replace(/if \[[^\n]*; then/, 'if true; then')), selectionProblems, /mismatched-cookie --rollout rolling: full-shutdown\/.*run in a cell that was not asked for/],
    ['checkout in a cell not asked for', (w) => void delete step(w, 'drills', (s) => s.uses?.startsWith('actions/checkout@') === true).if, selectionProblems, /steps 1 run in a cell that was not asked for/],
    ['the drills step without a limit', (w) => void delete scenarioStep(w)['timeout-minutes'], timeoutProblems, /the drills step has no timeout-minutes/],
    ['the drills job without a limit', (w) => void delete w.jobs!.drills!['timeout-minutes'], timeoutProblems, /the job has no timeout-minutes/],
    ['a step limit below drills × 6 min', (w) => void (includeFor(w, 'scenario', 'full-shutdown')['step-minutes'] = 40), timeoutProblems, /full-shutdown\/.*: the drills step may take 40 min, less than 7 drills × 6 min/],
    ['a step limit with one deadline for two drills that stay down', (w) => void (includeFor(w, 'scenario', 'scale-down')['step-minutes'] = 33), timeoutProblems, /scale-down\/.*: the drills step may take 33 min, less than 3 drills × 6 min \+ 2 staying down × 10 min/],
    ['a step limit whose comment adds up but not to the registry\'s counts', (w) => void (includeFor(w, 'scenario', 'full-shutdown')['step-minutes'] = 97), timeoutProblems, /full-shutdown\/.*: the drills step is 97 min, but 7 × 6 \+ 5 \+ 5 × 10 \+ 10 = 107/],
    ['scale-down counted as one drill staying down', (w) => void (includeFor(w, 'scenario', 'scale-down')['stay-down'] = 1), scenarioAxisProblems, /scale-down\/.*: stay-down 1, but up to 2 of scale-down's drills/],
    ['a job no longer than its step', (w) => void (includeFor(w, 'scenario', 'delete-pod-with-drain')['job-minutes'] = 21), timeoutProblems, /delete-pod-with-drain\/.*: the job's 21 min must outlast its drills step's 21 min/],
    ['e2e step limit of 30 min', (w) => void (step(w, 'e2e', (s) => E2E_COMMAND.test(s.run ?? ''))['timeout-minutes'] = 30), timeoutProblems, /e2e: the e2e step may take 30 min, less than 45/],
    ['e2e step without a limit', (w) => void delete step(w, 'e2e', (s) => E2E_COMMAND.test(s.run ?? ''))['timeout-minutes'], timeoutProblems, /e2e: the e2e step may take undefined min/],
    ['no inotify step in drills', (w) => void (w.jobs!.drills!.steps = stepsOf(w.jobs!.drills).filter((s) => !/sysctl/.test(s.run ?? ''))), inotifyProblems, /drills: fs\.inotify\.max_user_watches is not raised/],
    ['inotify raised after the e2e tests', (w) => void stepsOf(w.jobs!.e2e).push(stepsOf(w.jobs!.e2e).splice(stepsOf(w.jobs!.e2e).findIndex((s) => /sysctl/.test(s.run ?? '')), 1)[0]!), inotifyProblems, /e2e: fs\.inotify\.max_user_instances is not raised/],
    ['too few inotify instances', (w) => void (step(w, 'drills', (s) => /sysctl/.test(s.run ?? '')).run = 'sudo sysctl fs.inotify.max_user_watches=524288\nsudo sysctl fs.inotify.max_user_instances=128\n'), inotifyProblems, /max_user_instances=128 is below kind's 512/],
    ['no --recovery-timeout', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/--recovery-timeout \d+ /, '')), scenarioProblems, /--recovery-timeout 600 not passed/],
    ['a recovery timeout warren refuses', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/--recovery-timeout \d+/, '--recovery-timeout 6000')), scenarioProblems, /warren refuses .*--recovery-timeout must be a whole number/],
    ['one series for every image', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(/--rabbitmq "[^"]*"/, '--rabbitmq 3.10')), scenarioProblems, /4\.2\.5-management\/.*: --rabbitmq 4\.3 \(the cell's series\) not passed/],
    ['the variant run as its base scenario', (w) => void (scenarioStep(w).run = scenarioStep(w).run!.replace(' "${scenario[@]:1}"', '')), scenarioProblems, /the variant's selector \["--rollout","rolling"\] not passed/],
    ['artifact names without the scenario', (w) => void (step(w, 'drills', (s) => s.id === 'cell').run = step(w, 'drills', (s) => s.id === 'cell').run!.replace(`'%s-%s-%s' "$SCENARIO" `, `'%s-%s' `)), uploadProblems, /not unique per matrix cell: 4 names for 14 cells/],
    ['fail-fast on', (w) => void (w.jobs!.drills!.strategy!['fail-fast'] = true), matrixProblems, /fail-fast must be false/],
    ['no manual trigger', (w) => void delete w.on!.workflow_dispatch, triggerProblems, /workflow_dispatch missing/],
    ['write permissions', (w) => void (w.permissions = 'write-all'), settingsProblems, /permissions must be/],
    ['e2e allowed to skip', (w) => void delete step(w, 'e2e', (s) => /vitest/.test(s.run ?? '')).env, e2eProblems, /WARREN_E2E_REQUIRE/],
  ])('%s', (_name, mutate, check, problem) => {
    // The check passes on the real file (as the first describe block shows) ...
    expect(onRealFile(check)).toEqual([]);
    // ... and must fail on a copy with just this one change.
    const broken = structuredClone(WORKFLOW);
    mutate(broken);
    expect(check(broken)).toContainEqual(expect.stringMatching(problem));
  });

  it('tab characters', () => {
    expect(textProblems(TEXT.replace('  drills:', '\tdrills:'))).toEqual([expect.stringMatching(/tab characters on line/)]);
  });

  // The comments are in the text only: these mutate a copy of it.
  it.each<[string, string, string, RegExp]>([
    ['a limit whose comment does not add up', 'step-minutes: 107 # 7 × 6 + 5 + 5 × 10 + 10 = 107', 'step-minutes: 107 # 7 × 6 + 5 + 5 × 10 + 10 = 100', /7 × 6 \+ 5 \+ 5 × 10 \+ 10 is 107, not 100/],
    ['a limit changed without its comment', 'job-minutes: 31 # 21 + 10 = 31', 'job-minutes: 35 # 21 + 10 = 31', /job-minutes: 35\): the comment adds up to 31, the limit is 35/],
    ['a limit without arithmetic', 'timeout-minutes: 45 # 30 + 5 + 5 + 1 + 2 + 2 = 45', 'timeout-minutes: 45 # plenty', /the comment "plenty" shows no arithmetic/],
    ['a limit without a comment', 'timeout-minutes: ${{ matrix.step-minutes }} #', 'timeout-minutes: ${{ matrix.step-minutes }} \n#', /timeout-minutes: \$\{\{ matrix\.step-minutes \}\}\): no comment/],
  ])('%s', (_name, from, to, problem) => {
    expect(timeoutCommentProblems(TEXT)).toEqual([]);
    expect(TEXT).toContain(from);
    expect(timeoutCommentProblems(TEXT.replace(from, to))).toContainEqual(expect.stringMatching(problem));
  });
});

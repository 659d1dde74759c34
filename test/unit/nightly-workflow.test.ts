import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The nightly workflow (.github/workflows/nightly-resilience.yml) cannot run here (no Docker engine, no kind), so
 * its contract is checked on its structure and, where a shape would prove little, by running its own shell
 * steps under bash with `npm` faked: the step that runs the drills must hand warren the right flags and record
 * its exit code without failing, and the last step must turn 1 (a RabbitMQ finding) and 3 (warren or the runner
 * broke) into different errors.
 *
 * Each check returns the problems it found, so it can be pointed at a broken copy too. How we know the checks
 * can fail: the second describe block mutates a structuredClone of the parsed workflow (or a copy of its text)
 * — drops `if: always()` from the upload, gives exit 3 the message of exit 1, removes `set +e`, pipes warren
 * through tee, unpins an action, ... — and expects the very check that passes on the real file to report it.
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
  'timeout-minutes'?: number;
}

interface Job {
  name?: string;
  'runs-on'?: string;
  'timeout-minutes'?: unknown;
  strategy?: { 'fail-fast'?: unknown; matrix?: Record<string, unknown> };
  steps?: Step[];
}

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
  const key = JSON.stringify([step, context, npmExitCode ?? null]);
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

function isAlways(condition: unknown): boolean {
  return typeof condition === 'string' && /^(\$\{\{\s*)?always\(\)(\s*\}\})?$/.test(condition.trim());
}

const SCENARIO_COMMAND = /\bnpm run scenario\b/;
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/;

interface Cell {
  image: string;
  'start-policy': string;
}

/** Every cell of the drills matrix (image × start-policy), as GitHub expands it. */
function cells(workflow: Workflow): Cell[] {
  const matrix = workflow.jobs?.drills?.strategy?.matrix ?? {};
  const images = Array.isArray(matrix.image) ? (matrix.image as unknown[]).map(String) : [];
  const policies = Array.isArray(matrix['start-policy']) ? (matrix['start-policy'] as unknown[]).map(String) : [];
  return images.flatMap((image) => policies.map((policy) => ({ image, 'start-policy': policy })));
}

interface DrillsRun {
  problems: string[];
  scenario?: StepRun;
  reportDir?: string;
  artifact?: { name: string; path: string };
  verdict?: StepRun;
}

/**
 * One matrix cell of the drills job, scheduled (no inputs) unless `scenarioInput` is given, with warren exiting
 * `code`: the steps whose outputs are used run first, then the scenario step (npm faked), the upload's inputs are
 * resolved, and the last step runs on the code the scenario step recorded.
 */
function simulateDrills(workflow: Workflow, cell: Cell, code: number, scenarioInput = ''): DrillsRun {
  const problems: string[] = [];
  const steps = stepsOf(workflow.jobs?.drills);
  const scenarioIndex = steps.findIndex((step) => SCENARIO_COMMAND.test(step.run ?? ''));
  if (scenarioIndex < 0) return { problems: ['drills: no step runs `npm run scenario`'] };
  const context: Context = {
    'matrix.image': cell.image,
    'matrix.start-policy': cell['start-policy'],
    'inputs.scenario': scenarioInput,
    'github.workflow': 'nightly-resilience',
  };
  const referenced = new Set([...JSON.stringify(steps).matchAll(/steps\.([\w-]+)\.outputs/g)].map((match) => match[1]));
  try {
    for (const step of steps.slice(0, scenarioIndex)) {
      if (step.id === undefined || !referenced.has(step.id)) continue;
      const run = runStep(step, context);
      if (run.status !== 0) problems.push(`drills: step ${step.id} failed (${run.status}): ${run.stderr}`);
      for (const [key, value] of Object.entries(run.outputs)) context[`steps.${step.id}.outputs.${key}`] = value;
    }
    const scenarioStep = steps[scenarioIndex]!;
    const scenario = runStep(scenarioStep, context, code);
    if (scenarioStep.id !== undefined) {
      for (const [key, value] of Object.entries(scenario.outputs)) context[`steps.${scenarioStep.id}.outputs.${key}`] = value;
    }
    const argv = scenario.npmArgv ?? [];
    const reportDir = argv[argv.indexOf('--report-dir') + 1];

    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    const artifact = upload ? { name: substitute(String(upload.with?.name ?? ''), context), path: substitute(String(upload.with?.path ?? ''), context) } : undefined;

    const last = steps.at(-1)!;
    // Outputs of a step that did not record them are empty strings in GitHub's expressions.
    const verdictContext: Context = { ...context };
    for (const match of JSON.stringify(last).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) verdictContext[match[0]] ??= '';
    const verdict = last.run === undefined ? undefined : runStep(last, verdictContext);
    return { problems, scenario, ...(reportDir === undefined ? {} : { reportDir }), ...(artifact ? { artifact } : {}), ...(verdict ? { verdict } : {}) };
  } catch (error) {
    return { problems: [...problems, `drills: ${(error as Error).message}`] };
  }
}

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
    const timeout = job['timeout-minutes'];
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) problems.push(`job ${name}: no timeout-minutes`);
    if (job['runs-on'] !== 'ubuntu-latest') problems.push(`job ${name}: runs-on ${String(job['runs-on'])}, expected ubuntu-latest`);
  }
  if (jobs.drills && jobs.drills['timeout-minutes'] !== 120) problems.push(`job drills: timeout-minutes ${String(jobs.drills['timeout-minutes'])}, expected 120`);
  return problems;
}

function matrixProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const strategy = workflow.jobs?.drills?.strategy;
  if (strategy?.['fail-fast'] !== false) problems.push('drills: strategy.fail-fast must be false');
  const images = (strategy?.matrix?.image ?? []) as unknown[];
  if (!Array.isArray(images) || images.length !== 2) problems.push(`drills: expected two images, got ${JSON.stringify(images)}`);
  const list = Array.isArray(images) ? images.map(String) : [];
  if (list.filter((image) => /^rabbitmq:3\.13\.\d+(-management)?$/.test(image)).length !== 1) problems.push(`drills: expected one rabbitmq:3.13.x image, got ${JSON.stringify(list)}`);
  if (list.filter((image) => /^rabbitmq:4\.\d+\.\d+(-management)?$/.test(image)).length !== 1) problems.push(`drills: expected one rabbitmq:4.x image, got ${JSON.stringify(list)}`);
  const policies = strategy?.matrix?.['start-policy'];
  const sorted = Array.isArray(policies) ? policies.map(String).sort() : policies;
  if (JSON.stringify(sorted) !== JSON.stringify(['OrderedReady', 'Parallel'])) problems.push(`drills: start-policy must be OrderedReady and Parallel, got ${JSON.stringify(policies)}`);
  return problems;
}

/** kind from a pinned release to /usr/local/bin, helm through azure/setup-helm with a pinned version, kubectl checked: all before the step that needs them. */
function toolProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const needs: Record<string, RegExp> = { drills: SCENARIO_COMMAND, e2e: /\bnpx vitest run --project e2e\b/ };
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

/** The scenario step, run for every matrix cell: warren's flags, and its exit code recorded without failing the step. */
function scenarioProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const all = cells(workflow);
  if (all.length === 0) return ['drills: empty matrix'];
  for (const cell of all) {
    const label = `${cell.image}/${cell['start-policy']}`;
    for (const code of [0, 1, 3]) {
      const run = simulateDrills(workflow, cell, code);
      problems.push(...run.problems);
      if (!run.scenario) continue;
      if (run.scenario.status !== 0) problems.push(`${label}: the scenario step fails when warren exits ${code}; it must record the code and go on`);
      if (run.scenario.outputs.code !== String(code)) problems.push(`${label}: warren exited ${code} but the step recorded code=${String(run.scenario.outputs.code)}`);
      if (code !== 0) continue;
      const argv = run.scenario.npmArgv ?? [];
      const flags = argv.slice(argv.indexOf('--') + 1);
      const value = (flag: string) => (flags.includes(flag) ? flags[flags.indexOf(flag) + 1] : undefined);
      if (JSON.stringify(argv.slice(0, 4)) !== JSON.stringify(['run', 'scenario', 'all', '--'])) problems.push(`${label}: a scheduled run must be npm run scenario all -- …, got ${JSON.stringify(argv)}`);
      if (value('--platform') !== 'kind') problems.push(`${label}: --platform kind not passed (${JSON.stringify(argv)})`);
      if (value('--image') !== cell.image) problems.push(`${label}: --image ${cell.image} not passed (${JSON.stringify(argv)})`);
      if (value('--start-policy') !== cell['start-policy']) problems.push(`${label}: --start-policy ${cell['start-policy']} not passed (${JSON.stringify(argv)})`);
      const reportDir = value('--report-dir');
      if (!reportDir || reportDir.startsWith('-')) problems.push(`${label}: no --report-dir (${JSON.stringify(argv)})`);
    }
  }
  // A manual run drills the scenario it was given.
  const first = all[0]!;
  const manual = simulateDrills(workflow, first, 0, 'full-shutdown');
  if (manual.scenario && manual.scenario.npmArgv?.[2] !== 'full-shutdown') problems.push(`workflow_dispatch scenario=full-shutdown ran ${JSON.stringify(manual.scenario.npmArgv)}`);
  return problems;
}

/** The upload: after the drills, `if: always()`, the report dir the drills wrote, a unique valid name per cell. */
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
  for (const cell of cells(workflow)) {
    const run = simulateDrills(workflow, cell, 0);
    problems.push(...run.problems);
    if (!run.artifact) continue;
    if (run.artifact.path !== run.reportDir) problems.push(`drills: uploads ${run.artifact.path} but the report went to ${String(run.reportDir)}`);
    if (run.artifact.name === '' || ARTIFACT_NAME_FORBIDDEN.test(run.artifact.name)) problems.push(`drills: artifact name "${run.artifact.name}" is not valid`);
    names.add(run.artifact.name);
  }
  if (names.size !== cells(workflow).length) problems.push(`drills: artifact names are not unique per matrix cell: ${JSON.stringify([...names])}`);
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
  const test = steps.find((step) => /\bnpx vitest run --project e2e\b/.test(step.run ?? ''));
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

  it('drills a 3.13.x and a 4.x image under both start policies, without fail-fast', () => {
    expect(matrixProblems(WORKFLOW)).toEqual([]);
    expect(cells(WORKFLOW)).toHaveLength(4);
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

  it('runs warren with --platform kind, the cell image and start policy and a report dir, recording its exit code without failing', () => {
    expect(scenarioProblems(WORKFLOW)).toEqual([]);
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

describe('the checks catch a broken workflow (each mutates a copy of the parsed file)', () => {
  it.each<[string, Mutation, (workflow: Workflow) => string[], RegExp]>([
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
    ['only 4.x images', (w) => void (w.jobs!.drills!.strategy!.matrix!.image = ['rabbitmq:4.1.4-management', 'rabbitmq:4.0.9-management']), matrixProblems, /one rabbitmq:3\.13\.x image/],
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
});

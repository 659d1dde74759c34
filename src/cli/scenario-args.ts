import { parseArgs } from 'node:util';
import { UsageError } from '../common/errors.js';
import type { PlatformName, StartPolicy } from '../platforms/platform.js';
import type { Rollout } from '../faults/mismatched-cookie-fault.js';
import { assertContextAllowed } from '../platforms/kind/context-guard.js';
import type { KindOptions } from '../platforms/kind/kind-platform.js';
import { withVariants, type Scenario } from '../scenarios/scenario.js';

/** One scenario (or variant) to run, with the methods to drill, in the order given. */
export interface ScenarioRun {
  scenario: Scenario;
  methods: string[];
}

export interface ScenarioArgs {
  /** What to run, one after another: one entry for a named scenario, the whole matrix for `all`. */
  runs: ScenarioRun[];
  /** True for `all`: reports go under one matrix directory, with matrix.md and matrix.json. */
  all: boolean;
  platform: PlatformName;
  nodes: number;
  startPolicy: StartPolicy;
  reportDir: string | undefined;
  keep: boolean;
  messagesPerQueue: number;
  recoveryTimeoutMs: number;
  tableWait: { retryTimeoutMs: number; retryLimit: number };
  /** Only for --platform kind (each unset unless given). */
  kind: Partial<KindOptions>;
}

const INSTALLERS: readonly KindOptions['installer'][] = ['manifests', 'helm'];
const KIND_FLAGS = ['installer', 'image', 'reuse-cluster', 'context', 'allow-context', 'chart-version'] as const;

const PLATFORMS: readonly PlatformName[] = ['local', 'docker', 'kind'];
const POLICIES: readonly StartPolicy[] = ['OrderedReady', 'Parallel'];

/** The positional that runs every scenario and variant; checked before the registry, so no scenario can shadow it. */
export const ALL = 'all';

export const SCENARIO_USAGE =
  'usage: npm run scenario <name>|all -- [--platform local|docker|kind] [--methods a,b] [--nodes N] [--start-policy OrderedReady|Parallel] ' +
  '[--report-dir DIR] [--keep] [--messages N] [--recovery-timeout SECONDS] [--table-wait-timeout MS] [--table-wait-retries N] [--rollout reinstall|rolling (not with all)] ' +
  '[--installer manifests|helm] [--image REF] [--reuse-cluster] [--context X --allow-context X] [--chart-version V] (kind only)';

/** Parses and validates everything before anything is started: bad input is one line and exit 2. */
export function parseScenarioArgs(argv: string[], scenarios: ReadonlyMap<string, Scenario>): ScenarioArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        platform: { type: 'string', default: 'local' },
        methods: { type: 'string' },
        nodes: { type: 'string', default: '3' },
        'start-policy': { type: 'string', default: 'OrderedReady' },
        'report-dir': { type: 'string' },
        keep: { type: 'boolean', default: false },
        messages: { type: 'string', default: '100' },
        'recovery-timeout': { type: 'string', default: '120' },
        'table-wait-timeout': { type: 'string', default: '3000' },
        'table-wait-retries': { type: 'string', default: '2' },
        rollout: { type: 'string' },
        installer: { type: 'string' },
        image: { type: 'string' },
        'reuse-cluster': { type: 'boolean' },
        context: { type: 'string' },
        'allow-context': { type: 'string' },
        'chart-version': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; ${SCENARIO_USAGE}`);
  }
  const { values, positionals } = parsed;
  const names = [...scenarios.keys()].join(', ');
  if (positionals.length !== 1) throw new UsageError(`name one scenario (${names}) or ${ALL}; ${SCENARIO_USAGE}`);
  const requested = values.methods === undefined ? undefined : methodList(values.methods);
  const all = positionals[0] === ALL;
  const runs = all ? matrixRuns(scenarios, values.rollout, requested) : [namedRun(positionals[0]!, scenarios, values.rollout, requested)];

  const platform = values.platform as PlatformName;
  if (!PLATFORMS.includes(platform)) throw new UsageError(`unknown platform "${values.platform}"; valid: ${PLATFORMS.join(', ')}`);
  const startPolicy = values['start-policy'] as StartPolicy;
  if (!POLICIES.includes(startPolicy)) throw new UsageError(`unknown start policy "${startPolicy}"; valid: ${POLICIES.join(', ')}`);

  const kind = kindOptions(values);
  if (platform !== 'kind' && Object.keys(kind).length > 0) {
    throw new UsageError(`--${KIND_FLAGS.filter((flag) => values[flag] !== undefined).join(', --')} appl${KIND_FLAGS.filter((flag) => values[flag] !== undefined).length === 1 ? 'ies' : 'y'} to --platform kind only`);
  }
  if (platform === 'kind') assertContextAllowed(kind);

  return {
    runs,
    all,
    platform,
    kind,
    startPolicy,
    nodes: integer('--nodes', values.nodes, 1, 9),
    reportDir: values['report-dir'],
    keep: values.keep,
    messagesPerQueue: integer('--messages', values.messages, 1, 100_000),
    recoveryTimeoutMs: integer('--recovery-timeout', values['recovery-timeout'], 10, 3_600) * 1_000,
    tableWait: {
      retryTimeoutMs: integer('--table-wait-timeout', values['table-wait-timeout'], 1_000, 300_000),
      retryLimit: integer('--table-wait-retries', values['table-wait-retries'], 1, 100),
    },
  };
}

function kindOptions(values: Record<string, string | boolean | undefined>): Partial<KindOptions> {
  const options: Partial<KindOptions> = {};
  if (values.installer !== undefined) {
    const installer = values.installer as KindOptions['installer'];
    if (!INSTALLERS.includes(installer)) throw new UsageError(`unknown installer "${String(values.installer)}"; valid: ${INSTALLERS.join(', ')}`);
    options.installer = installer;
  }
  if (values.image !== undefined) {
    const image = String(values.image);
    // name[:tag][@digest], as Docker spells references: nothing that could smuggle an option or a shell word.
    if (!/^[a-z0-9][a-z0-9._/:@-]*$/.test(image)) throw new UsageError(`--image "${image}" is not an image reference`);
    options.image = image;
  }
  if (values['reuse-cluster'] !== undefined) options.reuseCluster = Boolean(values['reuse-cluster']);
  if (values.context !== undefined) options.context = String(values.context);
  if (values['allow-context'] !== undefined) options.allowContext = String(values['allow-context']);
  if (values['chart-version'] !== undefined) options.chartVersion = String(values['chart-version']);
  return options;
}

function methodList(text: string): string[] {
  return text.split(',').map((name) => name.trim()).filter(Boolean);
}

function namedRun(name: string, scenarios: ReadonlyMap<string, Scenario>, rollout: string | undefined, requested: string[] | undefined): ScenarioRun {
  const base = scenarios.get(name);
  if (!base) throw new UsageError(`unknown scenario "${name}"; valid: ${[...scenarios.keys(), ALL].join(', ')}`);
  const scenario = rollout === undefined ? base : variant(base, rollout);
  const valid = methodNames(scenario);
  const methods = requested ?? valid;
  checkMethods(methods, valid, scenario.name);
  return { scenario, methods };
}

/**
 * `all`: every scenario and each of its variants, in registry order. `--methods` keeps, per scenario, the
 * listed methods it has; a name no scenario has is a typo, not a filter that happens to match nothing.
 */
function matrixRuns(scenarios: ReadonlyMap<string, Scenario>, rollout: string | undefined, requested: string[] | undefined): ScenarioRun[] {
  if (rollout !== undefined) throw new UsageError(`--rollout does not apply to ${ALL}: ${ALL} runs every rollout`);
  const everything = [...scenarios.values()].flatMap(withVariants);
  const valid = [...new Set(everything.flatMap(methodNames))];
  if (requested !== undefined) checkMethods(requested, valid, ALL);
  const runs = everything.map((scenario) => ({ scenario, methods: keptMethods(scenario, requested) })).filter((run) => run.methods.length > 0);
  if (runs.length === 0) throw new UsageError(`nothing to run: no scenario has a method to drill`);
  return runs;
}

/** The scenario's methods, or those of `--methods` it has, in the order given (as for a named scenario). */
function keptMethods(scenario: Scenario, requested: string[] | undefined): string[] {
  const own = methodNames(scenario);
  return requested === undefined ? own : requested.filter((name) => own.includes(name));
}

function methodNames(scenario: Scenario): string[] {
  return scenario.methods.map((method) => method.recovery.name);
}

function checkMethods(methods: string[], valid: string[], what: string): void {
  const unknown = methods.filter((name) => !valid.includes(name));
  if (methods.length === 0 || unknown.length > 0) {
    throw new UsageError(`unknown method${unknown.length === 1 ? '' : 's'} "${unknown.join(',')}" for ${what}; valid: ${valid.join(', ')}`);
  }
}

/** `--rollout` picks a variant of a scenario that replaces the release (mismatched-cookie). */
function variant(scenario: Scenario, rollout: string): Scenario {
  if (scenario.rollout === undefined) throw new UsageError(`--rollout applies to scenarios that replace the release; ${scenario.name} has no rollout`);
  if (rollout === scenario.rollout) return scenario;
  const found = scenario.variants?.[rollout as Rollout];
  if (!found) throw new UsageError(`unknown rollout "${rollout}" for ${scenario.name}; valid: ${[scenario.rollout, ...Object.keys(scenario.variants ?? {})].join(', ')}`);
  return found;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

import { parseArgs } from 'node:util';
import { UsageError } from '../common/errors.js';
import type { PlatformName, StartPolicy } from '../platforms/platform.js';
import type { Rollout } from '../faults/mismatched-cookie-fault.js';
import type { Scenario } from '../scenarios/scenario.js';

export interface ScenarioArgs {
  scenario: Scenario;
  methods: string[];
  platform: PlatformName;
  nodes: number;
  startPolicy: StartPolicy;
  reportDir: string | undefined;
  keep: boolean;
  messagesPerQueue: number;
  recoveryTimeoutMs: number;
  tableWait: { retryTimeoutMs: number; retryLimit: number };
}

const PLATFORMS: readonly PlatformName[] = ['local', 'docker', 'kind'];
const POLICIES: readonly StartPolicy[] = ['OrderedReady', 'Parallel'];

export const SCENARIO_USAGE =
  'usage: npm run scenario <name> -- [--platform local|docker|kind] [--methods a,b] [--nodes N] [--start-policy OrderedReady|Parallel] ' +
  '[--report-dir DIR] [--keep] [--messages N] [--recovery-timeout SECONDS] [--table-wait-timeout MS] [--table-wait-retries N] [--rollout reinstall|rolling]';

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
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; ${SCENARIO_USAGE}`);
  }
  const { values, positionals } = parsed;
  const names = [...scenarios.keys()].join(', ');
  if (positionals.length !== 1) throw new UsageError(`name one scenario (${names}); ${SCENARIO_USAGE}`);
  const base = scenarios.get(positionals[0]!);
  if (!base) throw new UsageError(`unknown scenario "${positionals[0]}"; valid: ${names}`);
  const scenario = values.rollout === undefined ? base : variant(base, values.rollout);

  const valid = scenario.methods.map((method) => method.recovery.name);
  const methods = values.methods === undefined ? valid : values.methods.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = methods.filter((name) => !valid.includes(name));
  if (methods.length === 0 || unknown.length > 0) {
    throw new UsageError(`unknown method${unknown.length === 1 ? '' : 's'} "${unknown.join(',')}" for ${scenario.name}; valid: ${valid.join(', ')}`);
  }
  const platform = values.platform as PlatformName;
  if (!PLATFORMS.includes(platform)) throw new UsageError(`unknown platform "${values.platform}"; valid: ${PLATFORMS.join(', ')}`);
  const startPolicy = values['start-policy'] as StartPolicy;
  if (!POLICIES.includes(startPolicy)) throw new UsageError(`unknown start policy "${startPolicy}"; valid: ${POLICIES.join(', ')}`);

  return {
    scenario,
    methods,
    platform,
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

import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { scenarioLabel } from '../scenarios/scenario.js';
import { parseScenarioArgs, type ScenarioArgs } from './scenario-args.js';

const ALL_METHODS = ['none', 'chart-force-boot', 'statefulset-force-boot', 'force-load-file', 'definitions-reimport', 'parallel-restart'];

function usageError(argv: string[]): UsageError {
  try {
    parseScenarioArgs(argv, SCENARIOS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as UsageError).message;
    expect(message).not.toContain('\n');
    return error as UsageError;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

describe('parseScenarioArgs', () => {
  it('defaults to the local platform, 3 nodes, OrderedReady and every method of the scenario', () => {
    const args = parseScenarioArgs(['full-shutdown'], SCENARIOS);
    expect(args.runs).toHaveLength(1);
    expect(args.runs[0]!.scenario).toBe(SCENARIOS.get('full-shutdown'));
    expect(args.runs[0]!.methods).toEqual(ALL_METHODS);
    expect(args).toMatchObject({
      all: false,
      platform: 'local',
      nodes: 3,
      startPolicy: 'OrderedReady',
      keep: false,
      reportDir: undefined,
      messagesPerQueue: 100,
      recoveryTimeoutMs: 120_000,
      tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 },
    });
  });

  it('takes a subset of methods, in the order given, ignoring blanks', () => {
    const args = parseScenarioArgs(['full-shutdown', '--methods', 'parallel-restart, chart-force-boot,'], SCENARIOS);
    expect(args.runs.map((run) => run.methods)).toEqual([['parallel-restart', 'chart-force-boot']]);
  });

  it('reads every option', () => {
    const args = parseScenarioArgs(
      [
        'full-shutdown',
        '--platform', 'docker',
        '--nodes', '5',
        '--start-policy', 'Parallel',
        '--report-dir', '/tmp/out',
        '--keep',
        '--messages', '7',
        '--recovery-timeout', '30',
        '--table-wait-timeout', '2000',
        '--table-wait-retries', '4',
      ],
      SCENARIOS,
    );
    expect(args).toMatchObject({
      platform: 'docker',
      nodes: 5,
      startPolicy: 'Parallel',
      reportDir: '/tmp/out',
      keep: true,
      messagesPerQueue: 7,
      recoveryTimeoutMs: 30_000,
      tableWait: { retryTimeoutMs: 2_000, retryLimit: 4 },
    });
  });

  it('rejects an unknown scenario and lists the valid ones', () => {
    const error = usageError(['full-shotdown']);
    expect(error.message).toContain('unknown scenario "full-shotdown"');
    for (const name of SCENARIOS.keys()) expect(error.message).toContain(name);
    expect(error.message).toMatch(/, all$/);
  });

  it('picks a variant with --rollout', () => {
    const rolling = SCENARIOS.get('mismatched-cookie')!.variants!.rolling!;
    expect(parseScenarioArgs(['mismatched-cookie', '--rollout', 'rolling'], SCENARIOS).runs.map((run) => run.scenario)).toEqual([rolling]);
    expect(parseScenarioArgs(['mismatched-cookie', '--rollout', 'reinstall'], SCENARIOS).runs[0]!.scenario).toBe(SCENARIOS.get('mismatched-cookie'));
    expect(usageError(['full-shutdown', '--rollout', 'rolling']).message).toContain('full-shutdown has no rollout');
  });

  it('asks for exactly one scenario', () => {
    expect(usageError([]).message).toContain('name one scenario (full-shutdown, delete-all-pods, mismatched-cookie) or all');
    expect(usageError(['full-shutdown', 'full-shutdown']).message).toContain('name one scenario');
  });

  it('rejects an unknown method and lists the valid methods', () => {
    const error = usageError(['full-shutdown', '--methods', 'chart-force-boot,reboot']);
    expect(error.message).toContain('"reboot"');
    expect(error.message).toContain(`valid: ${ALL_METHODS.join(', ')}`);
  });

  it('rejects an empty method list', () => {
    expect(usageError(['full-shutdown', '--methods', ' , ']).message).toContain('valid: none, chart-force-boot');
  });

  it.each([['0'], ['10'], ['2.5'], ['three'], ['']])('rejects --nodes %s', (nodes) => {
    expect(usageError(['full-shutdown', '--nodes', nodes]).message).toBe(`--nodes must be a whole number from 1 to 9, got "${nodes}"`);
  });

  it('rejects a negative --nodes, given either way', () => {
    expect(usageError(['full-shutdown', '--nodes=-1']).message).toBe('--nodes must be a whole number from 1 to 9, got "-1"');
    expect(usageError(['full-shutdown', '--nodes', '-1']).message).toContain("'--nodes'");
  });

  it('rejects an unknown flag', () => {
    const error = usageError(['full-shutdown', '--bogus']);
    expect(error.message).toContain("'--bogus'");
    expect(error.message).toContain('usage: npm run scenario');
  });

  it('rejects an unknown platform', () => {
    expect(usageError(['full-shutdown', '--platform', 'bogus']).message).toBe('unknown platform "bogus"; valid: local, docker, kind');
  });

  it('rejects an unknown start policy', () => {
    expect(usageError(['full-shutdown', '--start-policy', 'Ordered']).message).toContain('valid: OrderedReady, Parallel');
  });

  it('rejects a table-wait timeout below one second', () => {
    expect(usageError(['full-shutdown', '--table-wait-timeout', '999']).message).toContain('--table-wait-timeout');
  });
});

describe('parseScenarioArgs all', () => {
  const rolling = SCENARIOS.get('mismatched-cookie')!.variants!.rolling!;
  const labels = (args: ScenarioArgs) => args.runs.map((run) => scenarioLabel(run.scenario));

  it('runs every scenario and each variant, in registry order, with all their methods', () => {
    const args = parseScenarioArgs(['all'], SCENARIOS);
    expect(args.all).toBe(true);
    expect(labels(args)).toEqual(['full-shutdown', 'delete-all-pods', 'mismatched-cookie', 'mismatched-cookie --rollout rolling']);
    expect(args.runs[3]!.scenario).toBe(rolling);
    for (const run of args.runs) expect(run.methods).toEqual(run.scenario.methods.map((method) => method.recovery.name));
  });

  it('keeps the common options', () => {
    expect(parseScenarioArgs(['all', '--nodes', '5', '--report-dir', '/tmp/fake-matrix'], SCENARIOS)).toMatchObject({ nodes: 5, reportDir: '/tmp/fake-matrix' });
  });

  it('--methods keeps, per scenario, the listed methods it has and skips scenarios that have none', () => {
    const args = parseScenarioArgs(['all', '--methods', 'restore-credentials, none'], SCENARIOS);
    expect(args.runs.map((run) => [scenarioLabel(run.scenario), run.methods])).toEqual([
      ['full-shutdown', ['none']],
      ['delete-all-pods', ['none']],
      ['mismatched-cookie', ['restore-credentials', 'none']],
      ['mismatched-cookie --rollout rolling', ['restore-credentials', 'none']],
    ]);
    expect(labels(parseScenarioArgs(['all', '--methods', 'restore-credentials'], SCENARIOS))).toEqual(['mismatched-cookie', 'mismatched-cookie --rollout rolling']);
  });

  it('rejects a method no scenario has and lists every valid method', () => {
    const error = usageError(['all', '--methods', 'none,reboot']);
    expect(error.message).toBe(`unknown method "reboot" for all; valid: ${[...ALL_METHODS, 'restore-credentials'].join(', ')}`);
    expect(usageError(['all', '--methods', ' , ']).message).toContain('for all; valid: none,');
  });

  it('rejects --rollout: all runs every rollout', () => {
    expect(usageError(['all', '--rollout', 'rolling']).message).toBe('--rollout does not apply to all: all runs every rollout');
  });

  it('means the matrix even when a scenario is named all', () => {
    const shadow = { ...SCENARIOS.get('full-shutdown')!, name: 'all' };
    const scenarios = new Map([['all', shadow], ...SCENARIOS]);
    const args = parseScenarioArgs(['all'], scenarios);
    expect(args.all).toBe(true);
    expect(args.runs).toHaveLength(5);
  });

  it('has nothing to run in an empty registry', () => {
    expect(() => parseScenarioArgs(['all'], new Map())).toThrow(/nothing to run/);
  });
});

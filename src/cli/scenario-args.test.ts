import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { SCENARIOS } from '../scenarios/registry.js';
import { parseScenarioArgs } from './scenario-args.js';

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
    expect(args.scenario).toBe(SCENARIOS.get('full-shutdown'));
    expect(args).toMatchObject({
      platform: 'local',
      nodes: 3,
      startPolicy: 'OrderedReady',
      methods: ALL_METHODS,
      keep: false,
      reportDir: undefined,
      messagesPerQueue: 100,
      recoveryTimeoutMs: 120_000,
      tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 },
    });
  });

  it('takes a subset of methods, in the order given, ignoring blanks', () => {
    const args = parseScenarioArgs(['full-shutdown', '--methods', 'parallel-restart, chart-force-boot,'], SCENARIOS);
    expect(args.methods).toEqual(['parallel-restart', 'chart-force-boot']);
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
  });

  it('asks for exactly one scenario', () => {
    expect(usageError([]).message).toContain('name one scenario (full-shutdown, delete-all-pods, mismatched-cookie)');
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

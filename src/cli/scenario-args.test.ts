import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { SCENARIOS } from '../../scenarios/registry.js';
import { upgrade } from '../../scenarios/upgrade.js';
import { Expect, method, Recoveries } from '../scenarios/methods.js';
import { defineScenario, scenarioLabel } from '../scenarios/scenario.js';
import { FullShutdownFault } from '../faults/full-shutdown-fault.js';
import { parseScenarioArgs, type ScenarioArgs } from './scenario-args.js';

const ALL_METHODS = ['none', 'chart-force-boot', 'statefulset-force-boot', 'force-load-file', 'definitions-reimport', 'parallel-restart', 'force-standalone-khepri-boot'];

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
      repeat: 1,
    });
    expect(args.terminationGracePeriodSeconds).toBeUndefined(); // the pod template's own
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
        '--termination-grace-period', '5',
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
      terminationGracePeriodSeconds: 5,
    });
    expect(parseScenarioArgs(['full-shutdown', '--repeat', '5'], SCENARIOS).repeat).toBe(5);
    expect(parseScenarioArgs(['password-drift', '--liveness-probe', 'login'], SCENARIOS).livenessProbe).toEqual({ periodSeconds: 5, failureThreshold: 3 });
    expect(parseScenarioArgs(['password-drift'], SCENARIOS).livenessProbe).toBeUndefined();
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
    expect(usageError(['full-shutdown', '--rollout', 'rolling']).message).toContain('full-shutdown has no --rollout');
  });

  it('asks for exactly one scenario', () => {
    expect(usageError([]).message).toBe('name one scenario (full-shutdown, delete-all-pods, mismatched-cookie, helm3-reinstall-race, password-drift, distribution-blip, fresh-formation, scale-down, queue-declared-while-member-down, delete-pod-with-drain, upgrade) or all');
    expect(usageError(['full-shutdown', 'full-shutdown']).message).toContain('too many arguments');
  });

  it('rejects an unknown method and lists the valid methods', () => {
    const error = usageError(['full-shutdown', '--methods', 'chart-force-boot,reboot']);
    expect(error.message).toContain('"reboot"');
    expect(error.message).toContain(`valid: ${ALL_METHODS.join(', ')}`);
  });

  it('rejects an empty method list', () => {
    expect(usageError(['full-shutdown', '--methods', ' , ']).message).toBe(`--methods names no method; valid for full-shutdown: ${ALL_METHODS.join(', ')}`);
    expect(usageError(['full-shutdown', '--methods=']).message).toContain('--methods names no method');
  });

  it('rejects a method listed twice: it would be drilled twice', () => {
    expect(usageError(['full-shutdown', '--methods', 'none,none']).message).toBe('--methods lists "none" more than once');
    expect(usageError(['full-shutdown', '--methods', 'none, force-load-file,none']).message).toBe('--methods lists "none" more than once');
    expect(usageError(['all', '--methods', 'none,none']).message).toBe('--methods lists "none" more than once');
  });

  it.each([['10'], ['2.5'], ['three'], ['']])('rejects --nodes %s', (nodes) => {
    expect(usageError(['full-shutdown', '--nodes', nodes]).message).toBe(`--nodes must be a whole number from 2 to 9, got "${nodes}"`);
  });

  it.each([['0'], ['1'], ['-1']])('rejects --nodes %s and says why the minimum is 2', (nodes) => {
    expect(usageError(['full-shutdown', '--nodes', nodes]).message).toMatch(
      new RegExp(`^--nodes must be a whole number from 2 to 9, got "${nodes}": every fault warren drills is about peers .* one node has none$`),
    );
  });

  it('accepts 2 nodes, as the field notes ran', () => {
    expect(parseScenarioArgs(['full-shutdown', '--nodes', '2'], SCENARIOS).nodes).toBe(2);
  });

  it.each([
    ['--messages', '-1', 'from 1 to 100000'],
    ['--messages', 'lots', 'from 1 to 100000'],
    ['--recovery-timeout', '-5', 'from 10 to 3600'],
    ['--table-wait-timeout', '-100', 'from 1000 to 300000'],
    ['--table-wait-retries', '-2', 'from 1 to 100'],
    ['--termination-grace-period', '0', 'from 1 to 3600'],
  ])('rejects %s %s with its range, negative or not', (flag, value, range) => {
    expect(usageError(['full-shutdown', flag, value]).message).toBe(`${flag} must be a whole number ${range}, got "${value}"`);
    expect(usageError(['full-shutdown', `${flag}=${value}`]).message).toBe(`${flag} must be a whole number ${range}, got "${value}"`);
  });

  it('rejects an unknown flag, suggesting a near one', () => {
    expect(usageError(['full-shutdown', '--bogus']).message).toBe("unknown option '--bogus'; --help lists the options");
    expect(usageError(['full-shutdown', '--methds', 'none']).message).toContain('(Did you mean --methods?)');
  });

  it('rejects an option given twice instead of keeping the last', () => {
    expect(usageError(['full-shutdown', '--nodes', '3', '--nodes=5']).message).toBe('--nodes is given more than once');
  });

  it('rejects an option as the value of another', () => {
    expect(usageError(['full-shutdown', '--report-dir', '--keep']).message).toBe('--report-dir needs a value, got the option "--keep"');
  });

  it('rejects an unknown platform', () => {
    expect(usageError(['full-shutdown', '--platform', 'bogus']).message).toContain('Allowed choices are local, docker, kind');
  });

  it('rejects an unknown start policy', () => {
    expect(usageError(['full-shutdown', '--start-policy', 'Ordered']).message).toContain('Allowed choices are OrderedReady, Parallel');
  });

  it('rejects kind-only options on another platform, naming them', () => {
    expect(usageError(['full-shutdown', '--installer', 'helm']).message).toBe('--installer applies to --platform kind only');
    expect(usageError(['full-shutdown', '--image', 'rabbitmq:4', '--reuse-cluster']).message).toBe('--image, --reuse-cluster apply to --platform kind only');
  });

  it('reads the kind options with --platform kind', () => {
    const args = parseScenarioArgs(['full-shutdown', '--platform', 'kind', '--installer', 'helm', '--image', 'bitnamilegacy/rabbitmq:4.1.3-debian-12-r1', '--chart-version', '16.0.14'], SCENARIOS);
    expect(args.kind).toEqual({ installer: 'helm', image: 'bitnamilegacy/rabbitmq:4.1.3-debian-12-r1', chartVersion: '16.0.14' });
    // The official image is the manifests' (their docker-entrypoint.sh); its own default then applies per installer.
    expect(parseScenarioArgs(['full-shutdown', '--platform', 'kind', '--image', 'rabbitmq:4.1.4-management'], SCENARIOS).kind).toEqual({ image: 'rabbitmq:4.1.4-management' });
    expect(parseScenarioArgs(['full-shutdown', '--platform', 'kind', '--installer', 'helm'], SCENARIOS).kind).toEqual({ installer: 'helm' });
  });

  it('refuses the official rabbitmq image with --installer helm: the Bitnami chart runs Bitnami\'s scripts', () => {
    for (const image of ['rabbitmq:4.1.4-management', 'docker.io/library/rabbitmq:3.13.7-management']) {
      expect(usageError(['full-shutdown', '--platform', 'kind', '--installer', 'helm', '--image', image]).message).toBe(
        `--image ${image} is the official image, which the Bitnami chart (--installer helm) cannot run: it needs a Bitnami image (default: bitnamilegacy/rabbitmq:3.13.7-debian-12-r2)`,
      );
    }
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
    expect(labels(args)).toEqual(['full-shutdown', 'delete-all-pods', 'mismatched-cookie', 'mismatched-cookie --rollout rolling', 'helm3-reinstall-race', 'password-drift', 'distribution-blip', 'fresh-formation', 'scale-down', 'queue-declared-while-member-down', 'delete-pod-with-drain', 'upgrade', 'upgrade --to 4.0']);
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
      ['helm3-reinstall-race', ['none']],
      ['password-drift', ['none']],
      ['distribution-blip', ['none']],
      ['scale-down', ['none']],
      ['queue-declared-while-member-down', ['none']],
      ['delete-pod-with-drain', ['none']],
      ['upgrade', ['none']],
      ['upgrade --to 4.0', ['none']],
    ]);
    expect(labels(parseScenarioArgs(['all', '--methods', 'restore-credentials'], SCENARIOS))).toEqual(['mismatched-cookie', 'mismatched-cookie --rollout rolling']);
  });

  it('rejects a method no scenario has and lists every valid method', () => {
    const error = usageError(['all', '--methods', 'none,reboot']);
    expect(error.message).toBe(`unknown method "reboot" for all; valid: ${[...ALL_METHODS, 'restore-credentials', 'restore-password', 'update-secret', 'restart-partitioned-pods', 'definitions-import', 'scale-back', 'forget-removed-nodes', 'enable-feature-flags-first', 'migrate-to-khepri-first', 'blue-green'].join(', ')}`);
    expect(usageError(['all', '--methods', ' , ']).message).toContain('valid for all: none,');
  });

  it('rejects --rollout: all runs every variant', () => {
    expect(usageError(['all', '--rollout', 'rolling']).message).toBe('--rollout does not apply to all: all runs every variant');
  });

  it('means the matrix even when a scenario is named all', () => {
    const shadow = { ...SCENARIOS.get('full-shutdown')!, name: 'all' };
    const scenarios = new Map([['all', shadow], ...SCENARIOS]);
    const args = parseScenarioArgs(['all'], scenarios);
    expect(args.all).toBe(true);
    expect(args.runs).toHaveLength(14);
  });

  it('has nothing to run in an empty registry', () => {
    expect(() => parseScenarioArgs(['all'], new Map())).toThrow(/nothing to run/);
  });

  it('a method never drilled on the release asked for is exit 2 for a named run, and left out of `all`', () => {
    const partial = defineScenario({
      name: 'partial',
      description: 'drilled on 3.10 only',
      fault: new FullShutdownFault(),
      methods: [
        method(Recoveries.none(), Expect.byRelease({ '3.10/mnesia': Expect.staysDown('ordered-ready-deadlock'), '4.3/khepri': Expect.staysDown('ordered-ready-deadlock') })),
        method(Recoveries.parallelRestart(), Expect.byRelease({ '3.10/mnesia': Expect.recovers() })),
      ],
    });
    const error = (() => {
      try {
        parseScenarioArgs(['partial', '--rabbitmq', '4.3', '--methods', 'parallel-restart'], new Map([['partial', partial]]));
      } catch (caught) {
        return caught as UsageError;
      }
      throw new Error('expected a UsageError');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('partial on 4.3/khepri: no expectation yet for parallel-restart (never drilled on 4.3/khepri under OrderedReady); drillable there: none');
    const all = parseScenarioArgs(['all', '--rabbitmq', 'all'], new Map([['partial', partial]]));
    expect(all.notDrilled).toContain('partial on 4.3/khepri: parallel-restart');
  });
});

describe('parseScenarioArgs: an upgrade pair (--from, --to)', () => {
  const refused = (argv: string[]): string => {
    try {
      parseScenarioArgs(argv, SCENARIOS);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as UsageError).message;
    }
    throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
  };
  const PAIRS = 'valid pairs: 3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3';

  it('leaves out of all (and of --rabbitmq all) every release that is no upgrade to the target', () => {
    const args = parseScenarioArgs(['all', '--rabbitmq', 'all', '--methods', 'blue-green'], SCENARIOS);
    expect(args.runs.map((run) => `${scenarioLabel(run.scenario)} on ${run.release.series}/${run.release.metadataStore}`)).toEqual([
      'upgrade on 3.10/mnesia',
      'upgrade on 4.0/mnesia',
      'upgrade on 4.0/khepri',
      'upgrade --to 4.0 on 3.10/mnesia',
    ]);
    expect(args.notDrilled.filter((line) => line.startsWith('upgrade'))).toEqual([]);
  });

  it('installs --from; --to picks the variant with that target (default: the newest, 4.3)', () => {
    const args = parseScenarioArgs(['upgrade', '--from', '4.0', '--to', '4.3', '--metadata-store', 'mnesia'], SCENARIOS);
    expect(args.releases).toEqual([{ series: '4.0', metadataStore: 'mnesia' }]);
    expect(args.runs[0]!.scenario).toBe(upgrade);
    const to40 = parseScenarioArgs(['upgrade', '--to', '4.0'], SCENARIOS);
    expect(to40.releases).toEqual([{ series: '3.10', metadataStore: 'mnesia' }]);
    expect(to40.runs[0]!.scenario).toBe(upgrade.variants!['4.0']);
    expect(scenarioLabel(to40.runs[0]!.scenario)).toBe('upgrade --to 4.0');
    expect(parseScenarioArgs(['upgrade', '--from', '4.0'], SCENARIOS).runs[0]!.scenario).toBe(upgrade);
  });

  it('refuses a downgrade, the same series, an unknown target and another scenario, naming the valid pairs (exit 2, one line)', () => {
    expect(refused(['upgrade', '--from', '4.3', '--to', '4.0'])).toBe(`no upgrade from 4.3 to 4.0: warren drills upgrades only; ${PAIRS}`);
    expect(refused(['upgrade', '--from', '4.0', '--to', '4.0'])).toBe(`no upgrade from 4.0 to 4.0: warren drills upgrades only; ${PAIRS}`);
    expect(refused(['upgrade', '--from', '4.0', '--to', '3.10'])).toBe(`no upgrade to 3.10: ${PAIRS}`);
    expect(refused(['full-shutdown', '--from', '3.10'])).toBe('--from and --to apply to the upgrade scenario only (3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3)');
    expect(refused(['full-shutdown', '--to', '4.3'])).toBe('--to applies to the upgrade scenario (3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3); full-shutdown has no --to');
    expect(refused(['all', '--to', '4.3'])).toBe('--from and --to name one upgrade (3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3); all drills upgrade and upgrade --to 4.0 from the --rabbitmq release(s) older than each target');
    expect(refused(['upgrade', '--from', '3.10', '--rabbitmq', '4.0'])).toMatch(/^--from 3\.10 and --rabbitmq 4\.0 disagree/);
    expect(refused(['upgrade', '--from', '4.0', '--rabbitmq', '3.10'])).toMatch(/^--from 4\.0 and --rabbitmq 3\.10 disagree/);
    expect(refused(['upgrade', '--rabbitmq', '4.3'])).toBe(`no upgrade from 4.3 to 4.3: warren drills upgrades only; ${PAIRS}`);
    expect(refused(['upgrade', '--to', '4.0', '--rabbitmq', '4.0', '--metadata-store', 'khepri'])).toBe(`no upgrade from 4.0 to 4.0: warren drills upgrades only; ${PAIRS}`);
    expect(refused(['upgrade', '--to', '5.0'])).toMatch(/5\.0.*(invalid|Allowed)/);
  });
});

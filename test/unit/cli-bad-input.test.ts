import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Fault } from '../../src/faults/fault.js';
import type { Recovery } from '../../src/recoveries/recovery.js';
import { Expect, method } from '../../src/scenarios/methods.js';
import { SCENARIOS } from '../../scenarios/registry.js';
import { defineScenario, type Scenario } from '../../src/scenarios/scenario.js';
import { cli } from '../support/cli-in-process.js';
import { childProcesses } from '../support/leftovers.js';

/** `TMP/…` stands for a path in the test's private temp dir; REPORT for a report directory there. */
const REPORT = 'TMP/report';
const ALL_METHODS = 'none, chart-force-boot, statefulset-force-boot, force-load-file, definitions-reimport, parallel-restart, force-standalone-khepri-boot';
const NODES_WHY = "every fault warren drills is about peers \\(which node stopped last, peers' tables, cookies between nodes, a quorum majority\\) and one node has none";

/** Bad input of every option of every command: exit 2, one line, before anything is started. */
describe('bad input', () => {
  let privateTmp: string;
  let defaultReports: string[];

  beforeEach(async () => {
    // Not named warren-*: a `cleanup --all` or another run's leftover check must not take it for a run.
    privateTmp = await mkdtemp(join(tmpdir(), 'cli-bad-input-'));
    vi.stubEnv('TMPDIR', privateTmp);
    defaultReports = await readdir('reports').catch(() => []);
  });

  afterEach(async () => {
    await rm(privateTmp, { recursive: true, force: true });
  });

  it.each<[string[], RegExp]>([
    // RabbitMQ releases: a series warren has no image for, a store the series cannot run, kind, never-drilled cells
    [['scenario', 'full-shutdown', '--rabbitmq', '5.0'], /^option '--rabbitmq <series>' argument '5\.0' is invalid\. Allowed choices are 3\.10, 4\.0, 4\.3, all/],
    [['scenario', 'full-shutdown', '--rabbitmq', '4.3', '--metadata-store', 'mnesia'], /^--metadata-store mnesia: RabbitMQ 4\.3 runs on khepri only, not mnesia$/],
    [['scenario', 'full-shutdown', '--metadata-store', 'khepri'], /^--metadata-store khepri: RabbitMQ 3\.10 runs on mnesia only, not khepri$/],
    [['scenario', 'full-shutdown', '--metadata-store', 'etcd'], /argument 'etcd' is invalid/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--rabbitmq', 'all'], /^--rabbitmq all applies to --platform local only/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--metadata-store', 'khepri'], /^--metadata-store applies to --platform local only/],
    [['scenario', 'upgrade', '--platform', 'kind', '--from', '4.0'], /^--from applies to --platform local only/],
    [['scenario', 'full-shutdown', '--dry-run'], /^--dry-run applies to --platform kind only$/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--dry-run', '--keep'], /^--keep cannot go with --dry-run: it runs no drill/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--dry-run', '--repeat', '3', '--report-dir', '/tmp/x'], /^--repeat, --report-dir cannot go with --dry-run: it runs no drill \(nothing to keep, repeat or report\)/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--rabbitmq', '4.3'], /^--rabbitmq 4\.3 on kind judges the image by 4\.3's expectations: name that image with --image/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--installer', 'helm', '--chart-version', ''], /^--chart-version "" is not a chart version/],
    [['scenario', 'upgrade', '--rabbitmq', '4.3'], /^no upgrade from 4\.3 to 4\.3: warren drills upgrades only; valid pairs: 3\.10 → 4\.0, 3\.10 → 4\.3, 4\.0 → 4\.3$/],
    [['scenario', 'upgrade', '--from', '4.0', '--rabbitmq', '3.10'], /^--from 4\.0 and --rabbitmq 3\.10 disagree/],
    [['scenario', 'upgrade', '--to', '3.10'], /^no upgrade to 3\.10: valid pairs: 3\.10 → 4\.0, 3\.10 → 4\.3, 4\.0 → 4\.3$/],
    [['scenario', 'upgrade', '--from', '4.3', '--to', '4.0'], /^no upgrade from 4\.3 to 4\.0: warren drills upgrades only; valid pairs: 3\.10 → 4\.0, 3\.10 → 4\.3, 4\.0 → 4\.3$/],
    // the report directory: checked (and made) without a recursive mkdir, before anything starts
    [['scenario', 'full-shutdown', '--report-dir', '/proc/warren-x'], /^--report-dir "\/proc\/warren-x": cannot create \/proc\/warren-x \(ENOENT\)$/],
    [['scenario', 'all', '--report-dir', '/proc/warren-x'], /^--report-dir "\/proc\/warren-x": cannot create \/proc\/warren-x/],
    [['scenario', 'full-shutdown', '--report-dir', '/proc/warren-x/a/b'], /cannot create \/proc\/warren-x \(ENOENT\)$/],
    [['scenario', 'full-shutdown', '--report-dir', '/etc/hostname'], /^--report-dir "\/etc\/hostname": \/etc\/hostname exists and is not a directory$/],
    [['scenario', 'all', '--report-dir', '/etc/hostname/reports'], /\/etc\/hostname exists and is not a directory$/],
    // An unset variable in a CI script: never "the working directory".
    [['scenario', 'full-shutdown', '--report-dir', ''], /^--report-dir "": is empty/],
    [['scenario', 'full-shutdown', '--report-dir', ' '], /^--report-dir " ": is empty/],
    // A directory that already holds something (here /etc): reports of two runs must not mix.
    [['scenario', 'full-shutdown', '--report-dir', '/etc'], /^--report-dir "\/etc": \/etc is not empty/],
    [['scenario', 'full-shutdown', '--report-dir', 'TMP/a-file/inside'], /a-file exists and is not a directory$/],
    [['scenario', 'full-shutdown', '--report-dir'], /^option '--report-dir <dir>' argument missing/],
    [['scenario', 'full-shutdown', '--report-dir', '--keep'], /^--report-dir needs a value, got the option "--keep"$/],
    // methods
    [['scenario', 'full-shutdown', '--methods', 'none,none', '--report-dir', REPORT], /^--methods lists "none" more than once$/],
    [['scenario', 'all', '--methods', 'none,restore-credentials,none', '--report-dir', REPORT], /^--methods lists "none" more than once$/],
    [['scenario', 'full-shutdown', '--methods', 'chart-force-boot,bogus'], new RegExp(`^unknown method "bogus" for full-shutdown; valid: ${ALL_METHODS}$`)],
    [['scenario', 'all', '--methods', 'none,bogus'], /^unknown method "bogus" for all; valid: none, .*restore-credentials, restore-password, update-secret, restart-partitioned-pods, definitions-import, scale-back, forget-removed-nodes, enable-feature-flags-first, migrate-to-khepri-first, blue-green$/],
    [['scenario', 'full-shutdown', '--methods', 'restore-credentials'], /^unknown method "restore-credentials" for full-shutdown/],
    [['scenario', 'full-shutdown', '--methods', ''], new RegExp(`^--methods names no method; valid for full-shutdown: ${ALL_METHODS}$`)],
    [['scenario', 'full-shutdown', '--methods', ' , '], /^--methods names no method/],
    [['scenario', 'all', '--methods='], /^--methods names no method; valid for all/],
    [['scenario', 'full-shutdown', '--methods'], /^option '--methods <a,b>' argument missing/],
    // numbers: a negative value gets the same range message as any other bad value
    [['scenario', 'full-shutdown', '--nodes', '1', '--report-dir', REPORT], new RegExp(`^--nodes must be a whole number from 2 to 9, got "1": ${NODES_WHY}$`)],
    [['scenario', 'all', '--nodes', '1', '--report-dir', REPORT], /^--nodes must be a whole number from 2 to 9, got "1": every fault/],
    [['scenario', 'full-shutdown', '--nodes', '0'], /^--nodes must be a whole number from 2 to 9, got "0": every fault/],
    [['scenario', 'full-shutdown', '--nodes', '-1'], /^--nodes must be a whole number from 2 to 9, got "-1": every fault/],
    [['scenario', 'full-shutdown', '--nodes', '10'], /^--nodes must be a whole number from 2 to 9, got "10"$/],
    [['scenario', 'full-shutdown', '--nodes', '2.5'], /^--nodes must be a whole number from 2 to 9, got "2.5"$/],
    [['scenario', 'full-shutdown', '--nodes', 'three'], /^--nodes must be a whole number from 2 to 9, got "three"$/],
    [['scenario', 'full-shutdown', '--nodes'], /^option '--nodes <count>' argument missing/],
    [['scenario', 'full-shutdown', '--messages', '-1'], /^--messages must be a whole number from 1 to 100000, got "-1"$/],
    [['scenario', 'full-shutdown', '--messages', 'lots'], /^--messages must be a whole number from 1 to 100000, got "lots"$/],
    [['scenario', 'full-shutdown', '--messages', '0'], /^--messages must be a whole number from 1 to 100000, got "0"$/],
    [['scenario', 'full-shutdown', '--messages', '100001'], /^--messages must be a whole number from 1 to 100000, got "100001"$/],
    [['scenario', 'full-shutdown', '--recovery-timeout', '-5'], /^--recovery-timeout must be a whole number from 10 to 3600, got "-5"$/],
    [['scenario', 'full-shutdown', '--recovery-timeout', '9'], /^--recovery-timeout must be a whole number from 10 to 3600, got "9"$/],
    [['scenario', 'full-shutdown', '--recovery-timeout', '2m'], /^--recovery-timeout must be a whole number from 10 to 3600, got "2m"$/],
    [['scenario', 'full-shutdown', '--table-wait-timeout', '-100'], /^--table-wait-timeout must be a whole number from 1000 to 300000, got "-100"$/],
    [['scenario', 'full-shutdown', '--table-wait-timeout', '999'], /^--table-wait-timeout must be a whole number from 1000 to 300000, got "999"$/],
    [['scenario', 'full-shutdown', '--table-wait-retries', '0'], /^--table-wait-retries must be a whole number from 1 to 100, got "0"$/],
    [['scenario', 'full-shutdown', '--table-wait-retries', '-2'], /^--table-wait-retries must be a whole number from 1 to 100, got "-2"$/],
    [['scenario', 'full-shutdown', '--table-wait-retries', '101'], /^--table-wait-retries must be a whole number from 1 to 100, got "101"$/],
    [['scenario', 'full-shutdown', '--termination-grace-period', '0'], /^--termination-grace-period must be a whole number from 1 to 3600, got "0"$/],
    [['scenario', 'full-shutdown', '--termination-grace-period', '30s'], /^--termination-grace-period must be a whole number from 1 to 3600, got "30s"$/],
    // choices
    [['scenario', 'full-shutdown', '--platform', 'mars'], /^option '--platform <name>' argument 'mars' is invalid. Allowed choices are local, docker, kind; --help lists the options$/],
    [['scenario', 'full-shutdown', '--platform'], /^option '--platform <name>' argument missing/],
    [['scenario', 'full-shutdown', '--start-policy', 'Ordered'], /argument 'Ordered' is invalid. Allowed choices are OrderedReady, Parallel/],
    [['scenario', 'full-shutdown', '--rollout', 'rolling'], /^--rollout applies to scenarios that replace the release; full-shutdown has no --rollout$/],
    [['scenario', 'mismatched-cookie', '--rollout', 'sideways'], /^unknown rollout "sideways" for mismatched-cookie; valid: reinstall, rolling$/],
    [['scenario', 'all', '--rollout', 'rolling'], /^--rollout does not apply to all: all runs every variant$/],
    // kind-only options
    [['scenario', 'full-shutdown', '--installer', 'helm'], /^--installer applies to --platform kind only$/],
    [['scenario', 'full-shutdown', '--image', 'rabbitmq:4.1.4-management'], /^--image applies to --platform kind only$/],
    [['scenario', 'full-shutdown', '--reuse-cluster'], /^--reuse-cluster applies to --platform kind only$/],
    [['scenario', 'full-shutdown', '--platform', 'docker', '--chart-version', '16.0.0'], /^--chart-version applies to --platform kind only$/],
    [['scenario', 'full-shutdown', '--context', 'prod', '--allow-context', 'prod'], /^--context, --allow-context apply to --platform kind only$/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--installer', 'npm'], /argument 'npm' is invalid. Allowed choices are manifests, helm/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--image', 'Rabbit MQ'], /^--image "Rabbit MQ" is not an image reference$/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--installer', 'helm', '--image', 'rabbitmq:3.13.7-management'], /^--image rabbitmq:3\.13\.7-management is the official image, which the Bitnami chart \(--installer helm\) cannot run: it needs a Bitnami image \(default: bitnamilegacy\/rabbitmq:3\.13\.7-debian-12-r2\)$/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--context', 'prod'], /^refusing kube context "prod": warren did not create it/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--context', 'prod', '--allow-context', 'staging'], /^refusing kube context "prod"/],
    [['scenario', 'full-shutdown', '--platform', 'kind', '--allow-context', 'prod'], /^--allow-context needs --context naming the same context$/],
    // the command line itself
    [['scenario'], /^name one scenario \(full-shutdown, delete-all-pods, mismatched-cookie, helm3-reinstall-race, password-drift, distribution-blip, fresh-formation, scale-down, queue-declared-while-member-down, delete-pod-with-drain, upgrade\) or all$/],
    [['scenario', 'no-such-scenario'], /^unknown scenario "no-such-scenario"; valid: full-shutdown, delete-all-pods, mismatched-cookie, helm3-reinstall-race, password-drift, distribution-blip, fresh-formation, scale-down, queue-declared-while-member-down, delete-pod-with-drain, upgrade, all$/],
    [['scenario', 'full-shutdown', 'delete-all-pods'], /^too many arguments for 'scenario'. Expected 1 argument but got 2/],
    [['scenario', 'full-shutdown', '--frobnicate'], /^unknown option '--frobnicate'; --help lists the options$/],
    [['scenario', 'full-shutdown', '--method', 'none'], /^unknown option '--method' \(Did you mean --methods\?\)/],
    [['scenario', 'full-shutdown', '--keep=yes'], /^unknown option '--keep=yes'/],
    [['scenario', 'full-shutdown', '--nodes', '3', '--nodes', '5'], /^--nodes is given more than once$/],
    [['scenario', 'full-shutdown', '--repeat', '0'], /^--repeat must be a whole number from 1 to 100, got "0"$/],
    [['scenario', 'full-shutdown', '--repeat', '2.5'], /^--repeat must be a whole number from 1 to 100, got "2.5"$/],
    [['scenario', 'full-shutdown', '--repeat', '101'], /^--repeat must be a whole number from 1 to 100, got "101"$/],
    [['scenario', 'full-shutdown', '--repeat', '2', '--keep'], /^--keep leaves a cluster running for inspection; with --repeat every attempt would stay up/],
    [['scenario', 'full-shutdown', '--methods', 'none', '--methods=force-load-file'], /^--methods is given more than once$/],
    [['list', 'full-shutdown', 'x'], /^too many arguments for 'list'/],
    [['list', 'full-shotdown'], /^unknown scenario "full-shotdown"; list takes a scenario's name \(full-shutdown, delete-all-pods, mismatched-cookie, helm3-reinstall-race, password-drift, distribution-blip, fresh-formation, scale-down, queue-declared-while-member-down, delete-pod-with-drain, upgrade\), a drill file or a directory of them$/],
    [['list', '--all'], /^unknown option '--all'/],
    [['cleanup'], /^say what to sweep: --run <id> or --all$/],
    [['cleanup', '--run', '3f2a9c1e', '--all'], /^give --run <id> or --all, not both$/],
    [['cleanup', '--run', 'all'], /^--run "all" is not a run id: 8 hex digits/],
    [['cleanup', '--run', 'x;rm -rf /'], /^--run "x;rm -rf \/" is not a run id/],
    [['cleanup', '--run', '3f2a'], /^--run "3f2a" is not a run id/],
    [['cleanup', '--run'], /^option '--run <id>' argument missing/],
    [['cleanup', '--run', '--all'], /^--run needs a value, got the option "--all"$/],
    [['cleanup', '--platform', 'docker', '--all'], /argument 'docker' is invalid. Allowed choices are local, kind/],
    [['cleanup', '--all', 'now'], /^too many arguments for 'cleanup'/],
    [['explode'], /^unknown command 'explode'/],
    [['scenarios', 'full-shutdown'], /^unknown command 'scenarios' \(Did you mean scenario\?\)/],
    [[], /^name a command: scenario, list or cleanup/],
    [['--frobnicate'], /^unknown option '--frobnicate'/],
  ])('%j → exit 2, one line, nothing started', async (args, message) => {
    await writeFile(join(privateTmp, 'a-file'), '');
    const argv = args.map((arg) => (arg.startsWith('TMP/') ? join(privateTmp, arg.slice('TMP/'.length)) : arg));
    const childrenBefore = await childProcesses();

    const result = await cli(argv);

    expect(result.exitCode).toBe(2);
    const lines = result.stderr.split('\n');
    expect(lines, result.stderr).toHaveLength(2); // one line, and its newline
    expect(lines[0]).toMatch(/^warren: /);
    expect(lines[0]!.slice('warren: '.length)).toMatch(message);
    expect(result.stdout).toBe(''); // not even "run …: reports in …"
    // Nothing started: no run directory and no report directory (the private temp dir holds only the test's file),
    // no default report directory, no process left running.
    expect(await readdir(privateTmp)).toEqual(['a-file']);
    expect(await readdir('reports').catch(() => [])).toEqual(defaultReports);
    expect((await childProcesses()).filter((pid) => !childrenBefore.includes(pid))).toEqual([]);
  }, 90_000); // a pass takes milliseconds; the bound only lets a regression that started a drill tear it down
});

describe('a platform that is missing', () => {
  it('--platform kind without Docker/kind: one line naming what is missing, exit 3, no report directory left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-missing-platform-'));
    try {
      const result = await cli(['scenario', 'full-shutdown', '--platform', 'kind', '--report-dir', join(dir, 'reports', 'kind')]);
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toMatch(/^warren: kind platform: missing .*(kind \(not on PATH\)|Docker engine)[^\n]*\n$/);
      expect(await readdir(dir)).toEqual([]); // the report directory made while validating is removed again
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

/** `list`: what an operator reads before choosing a run. */
describe('list', () => {
  const recovery = (name: string) => ({ name, description: `${name} (fake)`, requires: [] }) as unknown as Recovery;
  const fault = (name: string) => ({ name, description: 'fake fault', requires: [] }) as unknown as Fault;
  const rolling = defineScenario({
    name: 'fake-outage',
    variant: { option: '--rollout', value: 'rolling' },
    description: 'fake outage, replaced pod by pod',
    fault: fault('fake-outage (rolling)'),
    methods: [method(recovery('none'), Expect.staysDown('split-cluster')), method(recovery('fake-long-method-name'), Expect.recoversMessagesLost())],
  });
  const scenarios = new Map([
    ['fake-outage', defineScenario({
      name: 'fake-outage',
      variant: { option: '--rollout', value: 'reinstall' },
      description: 'fake outage, reinstalled',
      fault: fault('fake-outage'),
      methods: [method(recovery('none'), Expect.staysDown('access-refused')), method(recovery('fake-fix'), Expect.recovers())],
      variants: { rolling },
    })],
  ]);

  async function listed(registry: ReadonlyMap<string, Scenario> = scenarios): Promise<string[]> {
    const result = await cli(['list'], registry);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    return result.stdout.split('\n').slice(0, -1);
  }

  it('shows every scenario and variant with its fault and each method, aligned, with its expectation', async () => {
    const lines = await listed();
    expect(lines.slice(0, 4)).toEqual([
      'fake-outage: fake outage, reinstalled',
      '  fault: fake-outage',
      '  none                   expected not-recovered (access-refused) (every release, under OrderedReady)',
      '  fake-fix               expected recovered, messages kept (every release, under OrderedReady)',
    ]);
    expect(lines.slice(5, 9)).toEqual([
      'fake-outage --rollout rolling: fake outage, replaced pod by pod',
      '  fault: fake-outage (rolling)',
      '  none                   expected not-recovered (split-cluster) (every release, under OrderedReady)',
      '  fake-long-method-name  expected recovered, messages lost (every release, under OrderedReady)',
    ]);
  });

  it('ends by telling how to run one scenario and the whole matrix', async () => {
    const lines = await listed();
    expect(lines.at(-2)).toContain('npm run scenario <name> -- [--methods a,b] [--rollout rolling]');
    expect(lines.at(-1)).toContain('npm run scenario all');
  });

  it('shows the built-in scenarios with the matrix expectations', async () => {
    const text = (await listed(SCENARIOS)).join('\n');
    expect(text).toMatch(/^full-shutdown: /m);
    // One line per release under each method: an expectation from a run there, or that it was never drilled there.
    // Per start policy where runs under each differ; a plain expectation is OrderedReady's only.
    expect(text).toMatch(/ {2}none:\n {4}3\.10\/mnesia +under OrderedReady expected not-recovered \(ordered-ready-deadlock, timeout-waiting-for-tables\); under Parallel expected recovered, messages kept/);
    expect(text).toMatch(/ {2}force-load-file:\n {4}3\.10\/mnesia +expected recovered, messages kept \(either start policy\)/);
    expect(text).toMatch(/4\.3\/khepri +under OrderedReady expected not-recovered \(ordered-ready-deadlock, timeout-waiting-for-leader\); under Parallel not drilled yet/);
    expect(text).toMatch(/^mismatched-cookie --rollout rolling: /m);
    expect(text).toMatch(/ {2}chart-force-boot:\n {4}3\.10\/mnesia +under OrderedReady expected not-recovered \(split-cluster\); under Parallel not drilled yet/);
  });
});

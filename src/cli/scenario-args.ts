import { isScenarioPath, loadScenarioFile } from './scenario-file.js';
import { CommanderError, Option, type Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { isUpgrade, METADATA_STORES, RABBITMQ_SERIES, releaseKey, releasesFor, upgradePairsText, type MetadataStore, type RabbitMqRelease, type RabbitMqSeries } from '../core/rabbitmq-release.js';
import { LOGIN_LIVENESS_PROBE, START_POLICIES, type LivenessProbe, type PlatformName, type StartPolicy } from '../core/platform.js';
import { assertContextAllowed } from '../platforms/kind/context-guard.js';
import { DEFAULT_CHART_VERSION } from '../platforms/kind/helm-release.js';
import { isOfficialRabbitMqImage } from '../platforms/kind/image-reference.js';
import { DEFAULT_IMAGES, DEFAULT_KIND_OPTIONS, type KindOptions } from '../platforms/kind/kind-platform.js';
import { expectationOn, scenarioLabel, withVariants, type Scenario, type VariantSelector } from '../scenarios/scenario.js';
import { cliCommand, guardOptionValues, usageErrorFrom } from './cli-command.js';

/** One scenario (or variant) to run on one RabbitMQ release, with the methods to drill, in the order given. */
export interface ScenarioRun {
  scenario: Scenario;
  methods: string[];
  release: RabbitMqRelease;
}

/** A validated `scenario` command line: what to run and with which settings (units in the names). */
export interface ScenarioArgs {
  /** What to run, one after another: one entry per release for a named scenario, the whole matrix for `all`. */
  runs: ScenarioRun[];
  /** True for `all`: reports go under one matrix directory, with matrix.md and matrix.json. */
  all: boolean;
  /** The RabbitMQ releases (series × metadata store) the runs cover, in matrix order. */
  releases: RabbitMqRelease[];
  /** `scenario on release: methods` left out of `all` because they have no expectation there yet (never drilled). */
  notDrilled: string[];
  platform: PlatformName;
  /** Pods per cluster, 2 to 9. */
  nodes: number;
  startPolicy: StartPolicy;
  /** `--report-dir` as given (not yet checked on disk: see prepareReportDirectory), or undefined for the default. */
  reportDir: string | undefined;
  keep: boolean;
  messagesPerQueue: number;
  recoveryTimeoutMs: number;
  tableWait: { retryTimeoutMs: number; retryLimit: number };
  /** The pods' terminationGracePeriodSeconds, 1 to 3600; unset: the pod template's own. */
  terminationGracePeriodSeconds?: number;
  /** Drills per method, 1 to 100, each on a fresh cluster: "recovered k of N". */
  repeat: number;
  /** `--liveness-probe login`: a liveness probe that logs in with the Secret; unset: none. */
  livenessProbe?: LivenessProbe;
  /** Only for --platform kind (each unset unless given). */
  kind: Partial<KindOptions>;
  /** --dry-run (kind only): print every object and command the drill would issue, against a simulated cluster. */
  dryRun: boolean;
}

/** The option values as commander leaves them: strings from the command line, or the declared defaults. */
interface ScenarioOptionValues {
  platform: PlatformName;
  methods?: string;
  nodes: string | number;
  startPolicy: StartPolicy;
  reportDir?: string;
  keep: boolean;
  messages: string | number;
  recoveryTimeout: string | number;
  tableWaitTimeout: string | number;
  tableWaitRetries: string | number;
  terminationGracePeriod?: string;
  repeat: string | number;
  livenessProbe: 'none' | 'login';
  rollout?: string;
  from?: string;
  to?: string;
  rabbitmq: string;
  /** Whether --rabbitmq was on the command line (not its default): set from commander's value source. */
  rabbitmqGiven?: boolean;
  metadataStore?: string;
  installer?: KindOptions['installer'];
  image?: string;
  reuseCluster?: boolean;
  context?: string;
  allowContext?: string;
  chartVersion?: string;
  dryRun?: boolean;
}

const INSTALLERS: readonly KindOptions['installer'][] = ['manifests', 'helm'];
/** The kind-only options: flag, and the key commander stores its value under. */
const KIND_FLAGS = [
  ['--installer', 'installer'],
  ['--image', 'image'],
  ['--reuse-cluster', 'reuseCluster'],
  ['--context', 'context'],
  ['--allow-context', 'allowContext'],
  ['--chart-version', 'chartVersion'],
  ['--dry-run', 'dryRun'],
] as const;

const PLATFORMS: readonly PlatformName[] = ['local', 'docker', 'kind'];

/**
 * The series a run installs unless told: 3.10, the host's own package. It needs nothing beyond Debian 12's
 * rabbitmq-server, and it is the Mnesia world of the field notes every runbook here was written for; 4.0 and 4.3
 * (the supported series today) are one flag away once setup has built their root filesystems.
 */
export const DEFAULT_SERIES: RabbitMqSeries = '3.10';

/** The positional that runs every scenario and variant; checked before the registry, so no scenario can shadow it. */
export const ALL = 'all';

/**
 * The ranges of the numeric options. `--nodes` starts at 2: every fault warren drills is about peers (which node
 * stopped last, waiting for peers' tables, cookies between nodes, a quorum majority), and one node has none, so a
 * negative control such as full-shutdown's `none` would "recover" trivially.
 */
export const LIMITS = {
  nodes: { min: 2, max: 9 },
  messages: { min: 1, max: 100_000 },
  recoveryTimeoutSeconds: { min: 10, max: 3_600 },
  tableWaitTimeoutMs: { min: 1_000, max: 300_000 },
  tableWaitRetries: { min: 1, max: 100 },
  terminationGracePeriodSeconds: { min: 1, max: 3_600 },
  repeat: { min: 1, max: 100 },
} as const;
const NODES_WHY = "every fault warren drills is about peers (which node stopped last, peers' tables, cookies between nodes, a quorum majority) and one node has none";

/**
 * The `scenario` command: its arguments, options and help. `onArgs` receives the validated arguments; it may be
 * async (then parse with `parseAsync`). Every bad value throws a UsageError (one line) before `onArgs` runs.
 */
export function defineScenarioCommand(scenarios: ReadonlyMap<string, Scenario>, onArgs: (args: ScenarioArgs) => void | Promise<void>): Command {
  const names = [...scenarios.keys(), ALL].join(', ');
  const kindOnly = 'Options for --platform kind only:';
  const command = cliCommand('scenario', {
    summary: 'drill one scenario (or all): inject the fault, apply each recovery method, verify, report',
    description:
      'Drill one scenario: for each recovery method, on a fresh cluster, provision, seed messages, inject the fault, apply the method, ' +
      'wait until put/get works through every node, verify, tear down; then write report.json, report.md and junit.xml. ' +
      `\`all\` runs every scenario, rollout and method and writes matrix.md and matrix.json too. Scenarios: ${names}.`,
    examples: [
      'npm run scenario full-shutdown',
      'npm run scenario full-shutdown -- --methods none,force-load-file --report-dir /tmp/drill',
      'npm run scenario mismatched-cookie -- --rollout rolling',
      'npm run scenario all -- --methods none',
      'npm run scenario helm3-reinstall-race -- --repeat 5',
      'npx warren scenario delete-all-pods --nodes 5 --start-policy Parallel',
      'npx warren scenario ./examples/delete-one-pod.ts',
    ],
  })
    .usage('<name>|<file>|all [options]')
    .argument('[name]', `the scenario to drill (${names}), or a drill file of your own (./my-outage.ts: export default defineScenario(...))`)
    .addOption(new Option('--platform <name>', 'where RabbitMQ runs (docker: not implemented yet)').choices(PLATFORMS).default('local'))
    .addOption(new Option('--methods <a,b>', "recovery methods to drill, comma-separated, in this order (default: all of the scenario's; with all: each scenario's among them)"))
    .addOption(new Option('--nodes <count>', `RabbitMQ nodes (pods) per cluster, ${LIMITS.nodes.min} to ${LIMITS.nodes.max}: every drilled fault is between peers`).default(3))
    .addOption(new Option('--start-policy <policy>', "the StatefulSet's podManagementPolicy").choices(START_POLICIES).default('OrderedReady'))
    .addOption(new Option('--report-dir <dir>', 'where the reports go, created if missing; with all, the base of one directory per scenario (default: reports/<UTC time>-<name>)'))
    .addOption(new Option('--keep', 'leave the cluster(s) running at the end and print how to reach them').default(false))
    .addOption(new Option('--messages <count>', `messages per queue published before the fault, ${LIMITS.messages.min} to ${LIMITS.messages.max}`).default(100))
    .addOption(
      new Option('--recovery-timeout <seconds>', `seconds a method may take until put/get works through every node, counted from the end of the fault, ${LIMITS.recoveryTimeoutSeconds.min} to ${LIMITS.recoveryTimeoutSeconds.max}`).default(120),
    )
    .addOption(
      new Option('--table-wait-timeout <ms>', `RabbitMQ's mnesia_table_loading_retry_timeout in ms, ${LIMITS.tableWaitTimeoutMs.min} to ${LIMITS.tableWaitTimeoutMs.max}`).default(3_000),
    )
    .addOption(new Option('--table-wait-retries <count>', `RabbitMQ's mnesia_table_loading_retry_limit, ${LIMITS.tableWaitRetries.min} to ${LIMITS.tableWaitRetries.max}`).default(2))
    .addOption(
      new Option(
        '--termination-grace-period <seconds>',
        `the pods' terminationGracePeriodSeconds: how long a graceful stop may take before SIGKILL, ${LIMITS.terminationGracePeriodSeconds.min} to ${LIMITS.terminationGracePeriodSeconds.max} (default: the pod template's: 30, Kubernetes' default; with --installer helm the chart's 120)`,
      ),
    )
    .addOption(
      new Option(
        '--repeat <count>',
        `drills per method, each on a fresh cluster, ${LIMITS.repeat.min} to ${LIMITS.repeat.max}: the report says "recovered k of N" per method, and a method that recovers in some drills and not in others (flaky) is a finding`,
      ).default(1),
    )
    .addOption(
      new Option(
        '--liveness-probe <kind>',
        `none, or login: a liveness probe that logs in with the Secret every ${LOGIN_LIVENESS_PROBE.periodSeconds} s and restarts the container after ${LOGIN_LIVENESS_PROBE.failureThreshold} failures in a row (an older chart's curl --user probe)`,
      )
        .choices(['none', 'login'])
        .default('none'),
    )
    .addOption(
      new Option('--rabbitmq <series>', `the RabbitMQ series to install on the local platform: ${RABBITMQ_SERIES.join(', ')} or all (3.10: the host's package; 4.x: root filesystems setup builds); on kind, the series whose expectations judge --image (its metadata store must be that series' default)`)
        .choices([...RABBITMQ_SERIES, 'all'])
        .default(DEFAULT_SERIES),
    )
    .addOption(
      new Option('--metadata-store <store>', "RabbitMQ's metadata store: mnesia (3.10, 4.0) or khepri (4.0, 4.3) (default: the series' own, 4.0: mnesia; with --rabbitmq all: each one it supports)").choices(
        METADATA_STORES,
      ),
    )
    .addOption(new Option('--from <series>', `upgrade: the series the cluster is installed with (as --rabbitmq; default: --rabbitmq's, ${DEFAULT_SERIES}); pairs: ${upgradePairsText()}`).choices(RABBITMQ_SERIES))
    .addOption(new Option('--to <series>', `upgrade: the series its image is changed to (default: the newest, ${RABBITMQ_SERIES.at(-1)}); pairs: ${upgradePairsText()}`).choices(RABBITMQ_SERIES))
    .addOption(new Option('--rollout <how>', 'how mismatched-cookie replaces the release: reinstall (helm del + install, the default) or rolling (helm upgrade); not with all'))
    .addOption(new Option('--installer <name>', `how RabbitMQ is installed (default: ${DEFAULT_KIND_OPTIONS.installer})`).choices(INSTALLERS).helpGroup(kindOnly))
    .addOption(
      new Option('--image <ref>', `the RabbitMQ image (default: ${DEFAULT_IMAGES.manifests}; with --installer helm a Bitnami image, ${DEFAULT_IMAGES.helm}: the chart runs Bitnami's scripts)`).helpGroup(kindOnly),
    )
    .addOption(new Option('--reuse-cluster', 'keep one warm kind cluster named warren across runs').helpGroup(kindOnly))
    .addOption(new Option('--context <name>', 'an existing kube context instead of a new kind cluster (needs --allow-context naming it)').helpGroup(kindOnly))
    .addOption(new Option('--allow-context <name>', 'the same context again: warren refuses any context it did not create otherwise').helpGroup(kindOnly))
    .addOption(new Option('--chart-version <version>', `the Bitnami chart version (with --installer helm; default: ${DEFAULT_CHART_VERSION}, the chart of the default image)`).helpGroup(kindOnly))
    .addOption(new Option('--dry-run', 'print every Kubernetes object and kind/kubectl/helm/docker command the drill would issue, in order, secrets redacted; no cluster, no Docker').helpGroup(kindOnly))
    .action((name: string | undefined, options: ScenarioOptionValues, self: Command) => {
      const values: ScenarioOptionValues = { ...options, rabbitmqGiven: self.getOptionValueSource('rabbitmq') === 'cli' };
      // A drill file is loaded (asynchronously) first; a built-in name resolves at once, so parse() throws in place.
      return name !== undefined && isScenarioPath(name)
        ? loadScenarioFile(name, scenarios).then((scenario) => {
            if (scenario.name === ALL) throw new UsageError(`${name}: "${ALL}" runs every scenario; give yours another name`);
            return onArgs(resolveScenarioArgs(scenario.name, values, new Map([[scenario.name, scenario]])));
          })
        : onArgs(resolveScenarioArgs(name, values, scenarios));
    });
  return guardOptionValues(command);
}

/**
 * Parses and validates a `scenario` command line (without the word `scenario`) before anything is started.
 * @throws UsageError (one line) for any bad input; a CommanderError with exit code 0 after printing `--help`.
 */
export function parseScenarioArgs(argv: string[], scenarios: ReadonlyMap<string, Scenario>): ScenarioArgs {
  let args: ScenarioArgs | undefined;
  const command = defineScenarioCommand(scenarios, (parsed) => {
    args = parsed;
  });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    throw (error instanceof CommanderError && usageErrorFrom(error)) || error;
  }
  if (args === undefined) throw new UsageError('nothing parsed'); // unreachable: the action runs or parse throws
  return args;
}

function resolveScenarioArgs(name: string | undefined, values: ScenarioOptionValues, scenarios: ReadonlyMap<string, Scenario>): ScenarioArgs {
  if (name === undefined) throw new UsageError(`name one scenario (${[...scenarios.keys()].join(', ')}) or ${ALL}`);
  const requested = values.methods === undefined ? undefined : methodList(values.methods);
  const all = name === ALL;
  const selectors: VariantSelector[] = [
    ...(values.rollout === undefined ? [] : [{ option: '--rollout' as const, value: values.rollout }]),
    ...(values.to === undefined ? [] : [{ option: '--to' as const, value: values.to }]),
  ];
  if (all && (values.from !== undefined || values.to !== undefined)) throw new UsageError(`--from and --to name one upgrade (${upgradePairsText()}); ${ALL} drills upgrade and upgrade --to 4.0 from the --rabbitmq release(s) older than each target`);
  const runs = all ? matrixRuns(scenarios, selectors, requested) : [namedRun(name, scenarios, selectors, requested)];
  if (values.from !== undefined || values.to !== undefined) values.rabbitmq = upgradeFrom(runs[0]!.scenario, values);

  const { platform, startPolicy } = values; // commander checked both against their choices
  // kind runs the image it is given (--image): --rabbitmq only names the series whose expectations judge it (the
  // nightly judges rabbitmq:3.13 as 3.10, 4.1 as 4.0, 4.2+ as 4.3), and its metadata store is that series' default.
  if (platform !== 'local' && (values.from !== undefined || values.metadataStore !== undefined || values.rabbitmq === 'all')) {
    throw new UsageError(`${values.from !== undefined ? '--from' : values.metadataStore !== undefined ? '--metadata-store' : '--rabbitmq all'} applies to --platform local only (kind runs the image it is given: --image; --rabbitmq <series> names the expectations it is judged by)`);
  }
  // The default image is 3.13.7 (Mnesia): judged by a 4.x series only when the image given is one.
  if (platform === 'kind' && values.rabbitmq !== DEFAULT_SERIES && values.image === undefined) {
    throw new UsageError(`--rabbitmq ${values.rabbitmq} on kind judges the image by ${values.rabbitmq}'s expectations: name that image with --image (the default runs 3.13.7, judged as ${DEFAULT_SERIES})`);
  }
  const releases = releaseList(values.rabbitmq, values.metadataStore);
  const { releaseRuns, notDrilled } = onReleases(runs, releases, { all, explicit: requested !== undefined, startPolicy });
  const kind = kindOptions(values);
  const kindFlags = KIND_FLAGS.filter(([, key]) => values[key] !== undefined).map(([flag]) => flag);
  if (platform !== 'kind' && kindFlags.length > 0) {
    throw new UsageError(`${kindFlags.join(', ')} appl${kindFlags.length === 1 ? 'ies' : 'y'} to --platform kind only`);
  }
  if (platform === 'kind') assertContextAllowed(kind);
  if (kind.installer === 'helm' && kind.image !== undefined && isOfficialRabbitMqImage(kind.image)) {
    throw new UsageError(`--image ${kind.image} is the official image, which the Bitnami chart (--installer helm) cannot run: it needs a Bitnami image (default: ${DEFAULT_IMAGES.helm})`);
  }

  const { nodes, messages, recoveryTimeoutSeconds, tableWaitTimeoutMs, tableWaitRetries, terminationGracePeriodSeconds, repeat } = LIMITS;
  const repeats = integer('--repeat', values.repeat, repeat);
  // A dry run drills nothing: these would be silently ignored, and a CI script relying on them misled.
  const inert = [values.keep === true && '--keep', repeats > 1 && '--repeat', values.reportDir !== undefined && '--report-dir'].filter((flag) => flag !== false);
  if (values.dryRun === true && inert.length > 0) {
    throw new UsageError(`${inert.join(', ')} cannot go with --dry-run: it runs no drill (nothing to keep, repeat or report) and prints what one would issue to stdout`);
  }
  // Each kept attempt would stay running beside the next ones: on 2 cores they would skew the very race measured.
  if (repeats > 1 && values.keep) throw new UsageError('--keep leaves a cluster running for inspection; with --repeat every attempt would stay up and load the next: drill once to keep it');
  return {
    runs: releaseRuns,
    all: all || releaseRuns.length > 1,
    releases,
    notDrilled,
    platform,
    kind,
    dryRun: values.dryRun === true,
    startPolicy,
    nodes: integer('--nodes', values.nodes, nodes, NODES_WHY),
    reportDir: values.reportDir,
    keep: values.keep,
    messagesPerQueue: integer('--messages', values.messages, messages),
    recoveryTimeoutMs: integer('--recovery-timeout', values.recoveryTimeout, recoveryTimeoutSeconds) * 1_000,
    tableWait: {
      retryTimeoutMs: integer('--table-wait-timeout', values.tableWaitTimeout, tableWaitTimeoutMs),
      retryLimit: integer('--table-wait-retries', values.tableWaitRetries, tableWaitRetries),
    },
    repeat: repeats,
    ...(values.livenessProbe === 'login' ? { livenessProbe: LOGIN_LIVENESS_PROBE } : {}),
    ...(values.terminationGracePeriod === undefined ? {} : { terminationGracePeriodSeconds: integer('--termination-grace-period', values.terminationGracePeriod, terminationGracePeriodSeconds) }),
  };
}

/**
 * Each run on each release, with the methods that have an expectation there (each written from a real run on that
 * release). A method without one is never judged by a guess: named with --methods, or leaving a named scenario
 * nothing to run, it is a UsageError; in `all` (or across several releases) it is left out and listed.
 */
function onReleases(
  runs: Omit<ScenarioRun, 'release'>[],
  releases: RabbitMqRelease[],
  how: { all: boolean; explicit: boolean; startPolicy: StartPolicy },
): { releaseRuns: ScenarioRun[]; notDrilled: string[] } {
  const releaseRuns: ScenarioRun[] = [];
  const notDrilled: string[] = [];
  for (const run of runs) {
    for (const release of releases) {
      const key = releaseKey(release);
      const impossible = run.scenario.fault.notApplicableOn?.(release);
      if (impossible !== undefined && !how.all && releases.length === 1) throw new UsageError(impossible);
      if (impossible !== undefined) continue; // e.g. an upgrade to 4.3 from 4.3: not a pair, not a gap in the matrix
      const has = (name: string) => expectationOn(run.scenario.methods.find((method) => method.recovery.name === name)!.expected, key, how.startPolicy) !== undefined;
      const kept = run.methods.filter(has);
      const missing = run.methods.filter((name) => !has(name));
      const label = `${scenarioLabel(run.scenario)} on ${key}`;
      if (missing.length > 0 && !how.all && releases.length === 1 && (how.explicit || kept.length === 0)) {
        throw new UsageError(`${label}: no expectation yet for ${missing.join(', ')} (never drilled on ${key} under ${how.startPolicy}); drillable there: ${run.scenario.methods.filter((method) => expectationOn(method.expected, key, how.startPolicy) !== undefined).map((method) => method.recovery.name).join(', ') || 'none'}`);
      }
      if (missing.length > 0) notDrilled.push(`${label}: ${missing.join(', ')}`);
      if (kept.length > 0) releaseRuns.push({ ...run, methods: kept, release });
    }
  }
  if (releaseRuns.length === 0) throw new UsageError(`nothing to run: no method has an expectation on ${releases.map(releaseKey).join(', ')}`);
  return { releaseRuns, notDrilled };
}

/** `--rabbitmq` (one series or all, as commander checked) with `--metadata-store`: the releases, or a UsageError. */
function releaseList(series: string, store: string | undefined): RabbitMqRelease[] {
  const asked = series === 'all' ? [...RABBITMQ_SERIES] : [series as RabbitMqSeries];
  try {
    return releasesFor(asked, store as MetadataStore | undefined);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--metadata-store ${store}: ${error.message}`);
    throw error;
  }
}

function kindOptions(values: ScenarioOptionValues): Partial<KindOptions> {
  const options: Partial<KindOptions> = {};
  if (values.installer !== undefined) options.installer = values.installer; // commander checked the choices
  if (values.image !== undefined) {
    const image = values.image;
    // name[:tag][@digest], as Docker spells references: nothing that could smuggle an option or a shell word.
    if (!/^[a-z0-9][a-z0-9._/:@-]*$/.test(image)) throw new UsageError(`--image "${image}" is not an image reference`);
    options.image = image;
  }
  if (values.reuseCluster !== undefined) options.reuseCluster = values.reuseCluster;
  if (values.context !== undefined) options.context = values.context;
  if (values.allowContext !== undefined) options.allowContext = values.allowContext;
  if (values.chartVersion !== undefined) {
    // An empty or odd version would leave the chart unpinned (helm takes the newest, whose image may be gone).
    if (!/^v?\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/.test(values.chartVersion)) throw new UsageError(`--chart-version "${values.chartVersion}" is not a chart version (e.g. 14.7.0)`);
    options.chartVersion = values.chartVersion;
  }
  return options;
}

function methodList(text: string): string[] {
  return text.split(',').map((name) => name.trim()).filter(Boolean);
}

function namedRun(name: string, scenarios: ReadonlyMap<string, Scenario>, selectors: VariantSelector[], requested: string[] | undefined): Omit<ScenarioRun, 'release'> {
  const base = scenarios.get(name);
  if (!base) throw new UsageError(`unknown scenario "${name}"; valid: ${[...scenarios.keys(), ALL].join(', ')}`);
  const scenario = selectors.reduce(variant, base);
  const valid = methodNames(scenario);
  if (requested !== undefined) checkMethods(requested, valid, scenario.name);
  return { scenario, methods: requested ?? valid };
}

/**
 * `all`: every scenario and each of its variants, in registry order. `--methods` keeps, per scenario, the
 * listed methods it has; a name no scenario has is a typo, not a filter that happens to match nothing.
 */
function matrixRuns(scenarios: ReadonlyMap<string, Scenario>, selectors: VariantSelector[], requested: string[] | undefined): Omit<ScenarioRun, 'release'>[] {
  if (selectors.length > 0) throw new UsageError(`${selectors[0]!.option} does not apply to ${ALL}: ${ALL} runs every variant`);
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

/** `--methods` must name at least one method, each once (a repeat would drill it twice), each one of `valid`. */
function checkMethods(methods: string[], valid: string[], what: string): void {
  if (methods.length === 0) throw new UsageError(`--methods names no method; valid for ${what}: ${valid.join(', ')}`);
  const repeated = methods.find((name, i) => methods.indexOf(name) !== i);
  if (repeated !== undefined) throw new UsageError(`--methods lists "${repeated}" more than once`);
  const unknown = methods.filter((name) => !valid.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown method${unknown.length === 1 ? '' : 's'} "${unknown.join(',')}" for ${what}; valid: ${valid.join(', ')}`);
  }
}

/**
 * `--from`/`--to` name an upgrade's pair: `--from` is the series installed (what `--rabbitmq` says elsewhere), `--to`
 * the series the image is changed to (the variant already picked). A downgrade, the same series twice or another
 * scenario is refused before anything starts.
 * @returns the series to install. @throws UsageError naming the valid pairs.
 */
function upgradeFrom(scenario: Scenario, values: ScenarioOptionValues): string {
  if (scenario.variant?.option !== '--to') throw new UsageError(`--from and --to apply to the upgrade scenario only (${upgradePairsText()})`);
  if (values.from !== undefined && values.rabbitmqGiven === true && values.rabbitmq !== values.from) throw new UsageError(`--from ${values.from} and --rabbitmq ${values.rabbitmq} disagree: --from is the series installed; give one`);
  const from = (values.from ?? values.rabbitmq) as RabbitMqSeries;
  const to = scenario.variant.value as RabbitMqSeries;
  if (!isUpgrade(from, to)) throw new UsageError(`no upgrade from ${from} to ${to}: warren drills upgrades only; valid pairs: ${upgradePairsText()}`);
  return from;
}

/** `--rollout` or `--to` picks a variant of a scenario that has them (mismatched-cookie's rollouts, upgrade's targets). */
function variant(scenario: Scenario, selector: VariantSelector): Scenario {
  const { option, value } = selector;
  if (scenario.variant?.option !== option) {
    const what = option === '--rollout' ? 'scenarios that replace the release' : `the upgrade scenario (${upgradePairsText()})`;
    throw new UsageError(`${option} applies to ${what}; ${scenario.name} has no ${option}`);
  }
  if (value === scenario.variant.value) return scenario;
  const found = scenario.variants?.[value];
  if (!found && option === '--to') throw new UsageError(`no upgrade to ${value}: valid pairs: ${upgradePairsText()}`);
  if (!found) throw new UsageError(`unknown ${option.replace(/^--/, '')} "${value}" for ${scenario.name}; valid: ${[scenario.variant.value, ...Object.keys(scenario.variants ?? {})].join(', ')}`);
  return found;
}

/** A whole number within `range`, from the command line's text (or the declared default). */
function integer(flag: string, given: string | number, range: { min: number; max: number }, whyMin?: string): number {
  const text = String(given);
  const value = Number(text);
  if (/^\d+$/.test(text) && value >= range.min && value <= range.max) return value;
  const belowMin = whyMin !== undefined && /^-?\d+$/.test(text) && value < range.min;
  throw new UsageError(`${flag} must be a whole number from ${range.min} to ${range.max}, got "${text}"${belowMin ? `: ${whyMin}` : ''}`);
}

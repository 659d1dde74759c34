import { fileURLToPath } from 'node:url';
import { generateCredentials, Redactor } from '../../src/common/secrets.js';
import { FullShutdownFault } from '../../src/faults/full-shutdown-fault.js';
import type { KindCluster } from '../../src/platforms/kind/kind-cluster.js';
import { KindPlatform, namespaceFor, type KindPlatformOptions } from '../../src/platforms/kind/kind-platform.js';
import type { ClusterSpec, StartPolicy } from '../../src/core/platform.js';
import type { DrillContext } from '../../src/core/drill-context.js';
import type { TimelineEntry } from '../../src/core/journal.js';
import type { Logger } from '../../src/common/logger.js';
import { FakeBitnamiChart, type FakeChartOptions } from '../../src/platforms/kind/fake/fake-bitnami-chart.js';
import { FakeKubeApi, type FakeKubeApiOptions, type PodInfo, type RecordedRequest } from '../../src/platforms/kind/fake/fake-kube-api.js';
import { RecordingRunner, type RecordingRunnerOptions } from '../../src/platforms/kind/fake/recording-runner.js';

/** The repository's kind-config.yaml, as the CLI uses it. */
export const KIND_CONFIG = fileURLToPath(new URL('../../kind-config.yaml', import.meta.url));
/** The platform's run id: the kind cluster is `warren-test`, its context `kind-warren-test`. */
export const PLATFORM_RUN_ID = 'test';
export const CLUSTER_NAME = 'warren-test';
export const KUBE_CONTEXT = 'kind-warren-test';
export const RUN_LABEL = 'warren.dev/run-id';

export const noopLogger: Logger = {
  info() {},
  warn() {},
  child() {
    return noopLogger;
  },
};

export interface HarnessOptions {
  installer?: 'manifests' | 'helm';
  nodes?: number;
  startPolicy?: StartPolicy;
  readiness?: (pod: PodInfo) => boolean;
  runner?: Partial<Omit<RecordingRunnerOptions, 'api'>>;
  chart?: FakeChartOptions;
  platform?: Partial<KindPlatformOptions>;
  /** Timing of the fake API (grace periods, controller lag, NodePort release). */
  api?: Omit<FakeKubeApiOptions, 'readiness' | 'journal'>;
}

export interface Provisioned {
  cluster: KindCluster;
  spec: ClusterSpec;
  namespace: string;
  selector: string;
}

export type TestDrillContext = DrillContext & { marks: string[]; evidence: string[] };

/** A KindPlatform whose kind/kubectl/helm/docker go to a RecordingRunner and whose API server is a FakeKubeApi. */
export class KindHarness {
  readonly redactor = new Redactor();
  readonly controller = new AbortController();
  readonly provisioned: Provisioned[] = [];
  chart: FakeBitnamiChart | undefined;

  private constructor(
    readonly api: FakeKubeApi,
    readonly runner: RecordingRunner,
    readonly platform: KindPlatform,
    readonly options: HarnessOptions,
    /** API requests (`METHOD path?query`, no pod polling) and command lines (`$ kubectl …`), in the order they happened. */
    readonly journal: string[],
  ) {}

  static async start(options: HarnessOptions = {}): Promise<KindHarness> {
    const journal: string[] = [];
    const api = await FakeKubeApi.start({ journal, ...options.api, ...(options.readiness ? { readiness: options.readiness } : {}) });
    const runner = new RecordingRunner({ api, journal, ...options.runner });
    const redactor = new Redactor();
    const platform = new KindPlatform({
      redactor,
      runId: PLATFORM_RUN_ID,
      run: runner.run,
      kindConfigPath: KIND_CONFIG,
      readyTimeoutMs: 5_000,
      pollIntervalMs: 20,
      ...(options.installer ? { installer: options.installer } : {}),
      ...options.platform,
    });
    const harness = new KindHarness(api, runner, platform, options, journal);
    if (options.installer === 'helm') {
      harness.chart = new FakeBitnamiChart(api, options.chart);
      runner.helm = harness.chart.handle;
    }
    return harness;
  }

  spec(drill: string): ClusterSpec {
    return {
      runId: `${PLATFORM_RUN_ID}-${drill}`,
      nodes: this.options.nodes ?? 3,
      startPolicy: this.options.startPolicy ?? 'OrderedReady',
      credentials: generateCredentials(),
      tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 }, rabbitmq: { series: '3.10', metadataStore: 'mnesia' }
    };
  }

  async provision(drill: string, options: { keep?: boolean; spec?: Partial<ClusterSpec> } = {}): Promise<Provisioned> {
    const spec = { ...this.spec(drill), ...options.spec };
    this.redactor.add(spec.credentials);
    const cluster = await this.platform.provision(spec, { signal: this.controller.signal, log: noopLogger, keep: options.keep ?? false });
    const provisioned = { cluster, spec, namespace: namespaceFor(spec.runId), selector: `${RUN_LABEL}=${spec.runId}` };
    this.provisioned.push(provisioned);
    return provisioned;
  }

  /** The DrillContext shape runDrill builds (src/run/drill.ts), with a deadline a few seconds ahead. */
  context(provisioned: Provisioned, recoveryMs = 8_000): TestDrillContext {
    const started = Date.now();
    const marks: string[] = [];
    const evidence: string[] = [];
    const timeline: TimelineEntry[] = [];
    return {
      runId: provisioned.spec.runId,
      cluster: provisioned.cluster,
      log: noopLogger,
      signal: this.controller.signal,
      elapsedMs: () => Date.now() - started,
      mark(event) {
        marks.push(event);
        timeline.push({ atMs: Date.now() - started, event });
      },
      addEvidence: (line) => evidence.push(line),
      keepSecret: (credentials) => this.redactor.add(credentials),
      timeline,
      recoveryDeadline: started + recoveryMs,
      provisionBeside: async () => Promise.reject(new Error('kind harness: no cluster beside')),
      switchTo: async () => Promise.reject(new Error('kind harness: no cluster beside')),
      marks,
      evidence,
    };
  }

  /** Requests from index `from` on that changed something (not GETs), as `METHOD path` lines with their query. */
  writes(from = 0): RecordedRequest[] {
    return this.api.changes(from);
  }

  async dispose(): Promise<void> {
    for (const { cluster } of this.provisioned) await cluster.teardown({ keep: false }).catch(() => undefined);
    this.controller.abort();
    await this.api.close();
  }
}

/** Polls a condition (fire-and-forget calls such as startUp act in the background). */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function summary(request: RecordedRequest): string {
  const query = Object.entries(request.query)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return `${request.method} ${request.path}${query ? `?${query}` : ''}`;
}

export interface StuckCluster {
  h: KindHarness;
  p: Provisioned;
  context: TestDrillContext;
  /** While true, a pod is created unready unless `recovers` says the method fixed it. */
  state: { stuck: boolean };
}

/**
 * The situation the methods are for: a healthy cluster, then FullShutdownFault (stop_app 0, 1, 2; scale 0; scale
 * 3), after which pods boot stuck waiting for their peers' tables (unready) unless `recovers(pod)`. Under
 * OrderedReady only pod 0 is created (the deadlock); under Parallel all of them are, all stuck.
 */
export async function stuckAfterFullShutdown(
  drill: string,
  options: HarnessOptions & {
    recovers: (pod: PodInfo, runner: RecordingRunner) => boolean;
    /** Runs on the healthy cluster before the fault (a method's prepare()). */
    beforeFault?: (stuck: Omit<StuckCluster, 'state'>) => Promise<void>;
  },
): Promise<StuckCluster> {
  const state = { stuck: false };
  let runner: RecordingRunner | undefined;
  const h = await KindHarness.start({ ...options, readiness: (pod) => !state.stuck || options.recovers(pod, runner!) });
  runner = h.runner;
  try {
    const p = await h.provision(drill);
    const context = h.context(p);
    await options.beforeFault?.({ h, p, context });
    state.stuck = true;
    await new FullShutdownFault().inject(context);
    await until('the cluster to see the pods after the restart', () => seesPods(h, p));
    return { h, p, context, state };
  } catch (error) {
    await h.dispose();
    throw error;
  }
}

/** Whether the cluster's cached view (status()) matches the fake's pods: absent, starting or ready. */
export function seesPods(h: KindHarness, p: Provisioned): boolean {
  const pods = h.api.list('pods', p.namespace);
  if (pods.length === 0) return false;
  return p.cluster.status().every((status) => {
    const pod = pods.find((candidate) => candidate.metadata.name === `rabbitmq-${status.ordinal}`);
    if (!pod) return status.phase === 'absent';
    return status.phase === (pod.status.containerStatuses[0].ready ? 'ready' : 'starting');
  });
}

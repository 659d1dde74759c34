import type { Credentials } from '../../src/common/secrets.js';
import type { DrillContext } from '../../src/core/drill-context.js';
import type { TimelineEntry } from '../../src/core/journal.js';
import type { Logger } from '../../src/common/logger.js';
import type {
  Capability,
  CliTool,
  ClusterNode,
  ClusterSpec,
  ExecResult,
  ForceBootRun,
  ImageControl,
  PlatformName,
  PodStatus,
  StartPolicy,
  ReleaseControl,
  StartedCluster,
  StatefulSetControl,
  VolumeFiles,
  TemplateChange,
  UninstallTermination,
} from '../../src/core/platform.js';
import { CAPABILITIES, CAPABILITY_MEMBERS } from '../../src/core/platform.js';
import type { RabbitMqRelease, RabbitMqSeries } from '../../src/core/rabbitmq-release.js';

/**
 * The fake cluster: an in-memory `StartedCluster` for unit-testing faults, recoveries and checks without a
 * single process. It records every call, lets the test script pod statuses, `exec` answers and logs, and
 * models only what the interface itself promises:
 * - revisions are pod templates (image + credentials + force boot); applying a template identical to an earlier one
 *   reuses that revision, as the local platform and Kubernetes' controller-revision hash both do;
 * - `install` and an `upgrade` with credentials change `credentials` (the current Secret); `spec.credentials`
 *   stays the originals;
 * - `uninstall` and `shutdown` leave every pod absent; `deletePod` recreates the pod from the current revision,
 *   starting (as the StatefulSet controller would). Anything else (pods coming up after `install`/`startUp`,
 *   a rollout) is scripted by the test with `on(...)`, `onStatus(...)` and `setPod(...)`.
 */

/** Obviously fake: never a real password or cookie. */
export const FAKE_CREDENTIALS: Credentials = Object.freeze({
  username: 'warren',
  password: 'fake-password-for-unit-tests',
  erlangCookie: 'FAKECOOKIEFORUNITTESTSONLY',
});

export interface ExecCall {
  ordinal: number;
  tool: CliTool;
  args: string[];
  input?: string;
  timeoutMs?: number;
}

export type ClusterCall =
  | { op: 'uninstall'; options: { volumes: 'keep' | 'delete'; termination: UninstallTermination } }
  | { op: 'install'; options: { credentials: Credentials } }
  | { op: 'upgrade'; change: TemplateChange }
  | { op: 'setImage'; series: RabbitMqSeries }
  | { op: 'deletePod'; ordinal: number }
  | { op: 'shutdown'; options: { mode: 'graceful'; order: number[] } | { mode: 'kill' } }
  | { op: 'startUp' }
  | { op: 'scale'; replicas: number }
  | { op: 'setStartPolicy'; policy: StartPolicy }
  | ({ op: 'exec' } & ExecCall)
  | { op: 'writeDataFile'; ordinal: number; name: string; content: string }
  | { op: 'teardown'; options?: { keep?: boolean } };

export type CallOp = ClusterCall['op'];
export type CallOf<Op extends CallOp> = Extract<ClusterCall, { op: Op }>;

export type ExecHandler = (call: ExecCall, cluster: FakeCluster) => ExecResult | Promise<ExecResult>;
/** `read` counts this ordinal's reads, from 1. */
export type ReadLogHandler = (ordinal: number, read: number, cluster: FakeCluster) => string | Promise<string>;
export type DataFileExistsHandler = (ordinal: number, name: string, cluster: FakeCluster) => boolean | Promise<boolean>;

export interface FakeClusterOptions {
  nodes?: number;
  runId?: string;
  platform?: PlatformName;
  startPolicy?: StartPolicy;
  /** The optional interfaces it implements (default: all); the others' methods are absent, as on a platform without them. */
  capabilities?: Iterable<Capability>;
  /** `spec.credentials`, the originals. */
  credentials?: Credentials;
  /** `spec.rabbitmq` (default 3.10 on Mnesia). */
  rabbitmq?: RabbitMqRelease;
  /** The current Secret, when it already differs from the originals (after a fault); the originals otherwise. */
  currentCredentials?: Credentials;
  /** Pod statuses at the start; by default every pod is ready on revision 1. */
  pods?: Partial<PodStatus>[];
  exec?: ExecHandler;
  readLog?: ReadLogHandler;
  dataFileExists?: DataFileExistsHandler;
  forceBootRuns?: ForceBootRun[];
}

interface Template {
  image: RabbitMqSeries;
  credentials: Credentials;
  forceBoot: boolean;
}

export class FakeCluster implements StartedCluster, StatefulSetControl, ReleaseControl, VolumeFiles, ImageControl {
  readonly platform: PlatformName;
  readonly spec: ClusterSpec;
  readonly nodes: readonly ClusterNode[];
  /** Every call, in order. */
  readonly calls: ClusterCall[] = [];
  /** What `forceBootRuns()` returns (a copy of it); push to script runs. */
  readonly forceBootRunList: ForceBootRun[];
  /** Files written with `writeDataFile` and not yet consumed, keyed `ordinal/name`. */
  readonly files = new Map<string, string>();
  /** How often `status()` was called. */
  statusPolls = 0;

  #pods: PodStatus[];
  #policy: StartPolicy;
  #replicas: number;
  readonly #templates: Template[] = [];
  #revision = 1;
  readonly #logs = new Map<number, string>();
  readonly #logReads = new Map<number, number>();
  readonly #hooks = new Map<CallOp, ((call: ClusterCall) => void | Promise<void>)[]>();
  readonly #statusHooks: ((poll: number) => void)[] = [];
  #exec: ExecHandler | undefined;
  #readLog: ReadLogHandler | undefined;
  #dataFileExists: DataFileExistsHandler | undefined;

  constructor(options: FakeClusterOptions = {}) {
    const count = options.nodes ?? 3;
    this.platform = options.platform ?? 'local';
    this.#policy = options.startPolicy ?? 'OrderedReady';
    this.#replicas = count;
    this.spec = {
      runId: options.runId ?? 'fake-run',
      nodes: count,
      startPolicy: this.#policy,
      credentials: options.credentials ?? FAKE_CREDENTIALS,
      tableWait: { retryTimeoutMs: 3_000, retryLimit: 1 },
      rabbitmq: options.rabbitmq ?? { series: '3.10', metadataStore: 'mnesia' },
    };
    this.nodes = Array.from({ length: count }, (_, ordinal) => ({
      ordinal,
      nodeName: `rabbit-${ordinal}@localhost`,
      amqp: { host: '127.0.0.1', port: 5672 + ordinal },
    }));
    const kept = new Set(options.capabilities ?? CAPABILITIES);
    // A capability it lacks is really absent (hasCapability reads the methods), so the drill's gate can fire.
    for (const capability of CAPABILITIES.filter((c) => !kept.has(c))) {
      for (const member of CAPABILITY_MEMBERS[capability]) Object.defineProperty(this, member, { value: undefined });
    }
    this.#templates.push({ image: this.spec.rabbitmq.series, credentials: this.spec.credentials, forceBoot: false });
    if (options.currentCredentials) this.#revision = this.#applyTemplate({ image: this.spec.rabbitmq.series, credentials: options.currentCredentials, forceBoot: false });
    this.#pods = this.nodes.map((node) => ({
      ordinal: node.ordinal,
      nodeName: node.nodeName,
      phase: 'ready',
      restarts: 0,
      bootFailures: 0,
      revision: this.#revision,
      booted: true,
      ...options.pods?.[node.ordinal],
    }));
    this.forceBootRunList = [...(options.forceBootRuns ?? [])];
    this.#exec = options.exec;
    this.#readLog = options.readLog;
    this.#dataFileExists = options.dataFileExists;
  }

  // ---- scripting -------------------------------------------------------------------------------------

  /** Changes one pod's status (e.g. `{ phase: 'back-off', bootFailures: 2 }`). */
  setPod(ordinal: number, status: Partial<Omit<PodStatus, 'ordinal' | 'nodeName'>>): void {
    const index = this.#pods.findIndex((pod) => pod.ordinal === ordinal);
    if (index < 0) throw new Error(`fake cluster: no pod ${ordinal}`);
    this.#pods[index] = { ...this.#pods[index]!, ...status };
  }

  setAllPods(status: Partial<Omit<PodStatus, 'ordinal' | 'nodeName'>>): void {
    for (const pod of this.#pods) this.setPod(pod.ordinal, status);
  }

  /** Every pod ready and booted on the current revision (what a finished install/rollout looks like). */
  allReady(): void {
    this.setAllPods({ phase: 'ready', booted: true, revision: this.#revision });
  }

  /** Runs after a call's own effect (e.g. pods come up after `install`). */
  on<Op extends CallOp>(op: Op, hook: (call: CallOf<Op>) => void | Promise<void>): this {
    const hooks = this.#hooks.get(op) ?? [];
    hooks.push(hook as (call: ClusterCall) => void | Promise<void>);
    this.#hooks.set(op, hooks);
    return this;
  }

  /** Runs on every `status()` call before it answers; `poll` counts from 1 (time passing, poll by poll). */
  onStatus(hook: (poll: number) => void): this {
    this.#statusHooks.push(hook);
    return this;
  }

  scriptExec(handler: ExecHandler): this {
    this.#exec = handler;
    return this;
  }

  scriptReadLog(handler: ReadLogHandler): this {
    this.#readLog = handler;
    return this;
  }

  scriptDataFileExists(handler: DataFileExistsHandler): this {
    this.#dataFileExists = handler;
    return this;
  }

  /** Adds to a node's log (what the default `readLog` returns). */
  appendLog(ordinal: number, text: string): void {
    const before = this.#logs.get(ordinal) ?? '';
    this.#logs.set(ordinal, `${before}${text.endsWith('\n') ? text : `${text}\n`}`);
  }

  /** RabbitMQ read and deleted the file at boot. */
  consumeDataFile(ordinal: number, name: string): void {
    this.files.delete(`${ordinal}/${name}`);
  }

  /** The calls of one kind, in order. */
  callsOf<Op extends CallOp>(op: Op): CallOf<Op>[] {
    return this.calls.filter((call): call is CallOf<Op> => call.op === op);
  }

  /** The operations in order, e.g. ['uninstall', 'install'] (exec calls as 'exec <tool> <first arg>'). */
  ops(): string[] {
    return this.calls.map((call) => (call.op === 'exec' ? `exec ${call.tool} ${call.args[0] ?? ''}`.trim() : call.op));
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // ---- StartedCluster --------------------------------------------------------------------------------

  get credentials(): Credentials {
    return this.#templates[this.#revision - 1]!.credentials;
  }

  describeAccess(): string[] {
    return [`fake cluster ${this.spec.runId} (in memory)`];
  }

  status(): PodStatus[] {
    this.statusPolls++;
    for (const hook of this.#statusHooks) hook(this.statusPolls);
    return this.#pods.map((pod) => ({ ...pod }));
  }

  startPolicy(): StartPolicy {
    return this.#policy;
  }

  async shutdown(options: { mode: 'graceful'; order: number[] } | { mode: 'kill' }): Promise<void> {
    const ordinals = options.mode === 'kill' ? this.nodes.map((node) => node.ordinal) : options.order;
    for (const ordinal of ordinals) this.#absent(ordinal);
    await this.#record({ op: 'shutdown', options });
  }

  startUp(): void {
    this.#replicas = this.nodes.length;
    void this.#record({ op: 'startUp' });
  }

  /** Scaling down leaves the surplus pods absent; scaling up is the controller's business (scripted by tests). */
  async scale(replicas: number): Promise<void> {
    this.#replicas = replicas;
    for (const node of this.nodes) if (node.ordinal >= replicas) this.#absent(node.ordinal);
    await this.#record({ op: 'scale', replicas });
  }

  replicas(): number {
    return this.#replicas;
  }

  async deletePod(ordinal: number): Promise<void> {
    this.setPod(ordinal, { phase: 'starting', booted: false, revision: this.#revision, restarts: 0, bootFailures: 0 });
    await this.#record({ op: 'deletePod', ordinal });
  }

  async setStartPolicy(policy: StartPolicy): Promise<void> {
    this.#policy = policy;
    await this.#record({ op: 'setStartPolicy', policy });
  }

  async upgrade(change: TemplateChange): Promise<void> {
    const current = this.#templates[this.#revision - 1]!;
    this.#revision = this.#applyTemplate({
      image: current.image,
      credentials: change.credentials ?? current.credentials,
      forceBoot: change.forceBoot?.enabled ?? current.forceBoot,
    });
    await this.#record({ op: 'upgrade', change });
  }

  async appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }> {
    const on = this.#templates[this.#revision - 1]!.forceBoot;
    return { chartValue: on, command: on };
  }

  revision(): number {
    return this.#revision;
  }

  /** A new revision with the image of `series` (recorded); pods keep theirs until deleted or scripted. */
  async setImage(series: RabbitMqSeries): Promise<void> {
    this.#revision = this.#applyTemplate({ ...this.#templates[this.#revision - 1]!, image: series });
    await this.#record({ op: 'setImage', series });
  }

  podImage(ordinal: number): RabbitMqSeries | undefined {
    const pod = this.#pods.find((candidate) => candidate.ordinal === ordinal);
    return pod === undefined || pod.phase === 'absent' ? undefined : this.#templates[pod.revision - 1]?.image;
  }

  async uninstall(options: { volumes: 'keep' | 'delete'; termination: UninstallTermination }): Promise<void> {
    for (const node of this.nodes) this.#absent(node.ordinal);
    if (options.volumes === 'delete') this.files.clear();
    await this.#record({ op: 'uninstall', options });
  }

  async install(options: { credentials: Credentials }): Promise<void> {
    this.#replicas = this.nodes.length;
    this.#policy = this.spec.startPolicy;
    this.#revision = this.#applyTemplate({ image: this.#templates[this.#revision - 1]!.image, credentials: options.credentials, forceBoot: false });
    await this.#record({ op: 'install', options });
  }

  async forceBootRuns(): Promise<ForceBootRun[]> {
    return [...this.forceBootRunList];
  }

  async exec(ordinal: number, tool: CliTool, args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    const call: ExecCall = { ordinal, tool, args: [...args] };
    if (options.input !== undefined) call.input = options.input;
    if (options.timeoutMs !== undefined) call.timeoutMs = options.timeoutMs;
    await this.#record({ op: 'exec', ...call });
    if (!this.#exec) throw new Error(`fake cluster: unscripted exec on node ${ordinal}: ${tool} ${args.join(' ')}`);
    return this.#exec(call, this);
  }

  dataDir(ordinal: number): string {
    return `/fake/volumes/${this.nodes[ordinal]?.nodeName ?? `node-${ordinal}`}/mnesia`;
  }

  async writeDataFile(ordinal: number, name: string, content: string): Promise<void> {
    this.files.set(`${ordinal}/${name}`, content);
    await this.#record({ op: 'writeDataFile', ordinal, name, content });
  }

  async dataFileExists(ordinal: number, name: string): Promise<boolean> {
    if (this.#dataFileExists) return this.#dataFileExists(ordinal, name, this);
    return this.files.has(`${ordinal}/${name}`);
  }

  async readLog(ordinal: number): Promise<string> {
    const read = (this.#logReads.get(ordinal) ?? 0) + 1;
    this.#logReads.set(ordinal, read);
    if (this.#readLog) return this.#readLog(ordinal, read, this);
    return this.#logs.get(ordinal) ?? '';
  }

  async collectLogs(_dir?: string): Promise<string[]> {
    return [];
  }

  async teardown(options?: { keep?: boolean }): Promise<void> {
    await this.#record(options === undefined ? { op: 'teardown' } : { op: 'teardown', options });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.teardown();
  }

  // ---- internals -------------------------------------------------------------------------------------

  #applyTemplate(template: Template): number {
    const same = (t: Template) =>
      t.image === template.image &&
      t.forceBoot === template.forceBoot && t.credentials.password === template.credentials.password && t.credentials.erlangCookie === template.credentials.erlangCookie;
    let index = this.#templates.findIndex(same);
    if (index < 0) index = this.#templates.push(template) - 1;
    return index + 1;
  }

  #absent(ordinal: number): void {
    // As the local platform reports a pod that does not exist: revision 0, nothing booted.
    this.setPod(ordinal, { phase: 'absent', booted: false, revision: 0, restarts: 0, bootFailures: 0 });
  }

  /**
   * Records the call, then runs its hooks at once (synchronously, so a synchronous method's effect is visible
   * when it returns); an async hook delays only the async methods, which await it.
   */
  #record(call: ClusterCall): Promise<void> {
    this.calls.push(call);
    let chain: Promise<void> | undefined;
    for (const hook of this.#hooks.get(call.op) ?? []) {
      if (chain) chain = chain.then(() => hook(call));
      else {
        const result = hook(call);
        if (result instanceof Promise) chain = result;
      }
    }
    return chain ?? Promise.resolve();
  }
}

export interface FakeDrillContext extends DrillContext {
  /** Everything `mark` was given, in order. */
  marks: string[];
  /** Everything `addEvidence` was given, in order. */
  evidence: string[];
  /** Every credentials `keepSecret` was given, in order. */
  secrets: Credentials[];
  /** Owns `signal`: abort it to interrupt the step. */
  controller: AbortController;
}

export interface FakeContextOptions {
  runId?: string;
  /** Epoch ms; by default 30 s from now (the real drill sets it at the fault; Infinity would break waits). */
  recoveryDeadline?: number;
  /** What provisionBeside returns (a blue-green test's green cluster); unset: it throws. */
  beside?: (rabbitmq: RabbitMqRelease, name: string) => Promise<StartedCluster>;
}

export const noopLogger: Logger = {
  info() {},
  warn() {},
  child() {
    return noopLogger;
  },
};

/** A DrillContext around the fake cluster: a real AbortSignal, a no-op logger, marks and evidence collected. */
export function fakeContext(cluster: StartedCluster, options: FakeContextOptions = {}): FakeDrillContext {
  const started = Date.now();
  const controller = new AbortController();
  const marks: string[] = [];
  const evidence: string[] = [];
  const secrets: Credentials[] = [];
  const timeline: TimelineEntry[] = [];
  const context: FakeDrillContext = {
    runId: options.runId ?? cluster.spec.runId,
    cluster,
    log: noopLogger,
    signal: controller.signal,
    controller,
    elapsedMs: () => Date.now() - started,
    mark(event: string) {
      marks.push(event);
      timeline.push({ atMs: Date.now() - started, event });
    },
    addEvidence(line: string) {
      evidence.push(line);
    },
    keepSecret(credentials: Credentials) {
      secrets.push(credentials);
    },
    secrets,
    timeline,
    marks,
    evidence,
    recoveryDeadline: options.recoveryDeadline ?? started + 30_000,
    provisionBeside: options.beside ?? (async () => Promise.reject(new Error('fakeContext: no cluster beside (options.beside)'))),
    switchTo: async (next) => {
      await context.cluster.teardown();
      context.cluster = next;
    },
  };
  return context;
}

/** Pod 0 up but not booted (1 boot failure so far), pods 1 and 2 absent: OrderedReady after a full shutdown. */
export function pod0StartingAlone(): FakeCluster {
  const cluster = new FakeCluster();
  cluster.setPod(0, { phase: 'starting', booted: false, bootFailures: 1 });
  cluster.setPod(1, { phase: 'absent', revision: 0, booted: false });
  cluster.setPod(2, { phase: 'absent', revision: 0, booted: false });
  return cluster;
}

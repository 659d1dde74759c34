import { access, chmod, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { amqpProbe } from '../../broker/amqp-connection.js';
import { ClusterCommandError, errorMessage } from '../../common/errors.js';
import type { Credentials, Redactor } from '../../common/secrets.js';
import type { Logger } from '../../common/logger.js';
import {
  type CliTool,
  type ClusterNode,
  type ClusterSpec,
  DEFAULT_GRACE_PERIOD_SECONDS,
  type ExecResult,
  type ForceBootRun,
  type ForceBootVia,
  type ImageControl,
  type PodStatus,
  type ReleaseControl,
  type StartedCluster,
  type StatefulSetControl,
  type VolumeFiles,
  type StartPolicy,
  type TemplateChange,
  type UninstallTermination,
} from '../../core/platform.js';
import { FORCE_BOOT_ENV, FORCE_BOOT_MARKER, forceBootEnvLine, forceBootIn, forceBootLine } from '../force-boot-command.js';
import type { Epmd } from './epmd.js';
import { RABBITMQ_BIN, rabbitmqConf, type NodeLayout } from './node-layout.js';
import { findImage, imageCommand, layerMountPoint, type RabbitMqImage } from './rabbitmq-image.js';
import type { RabbitMqSeries } from '../../core/rabbitmq-release.js';
import { execInGroup } from './group-exec.js';
import { Pod } from './pod.js';
import type { ProcessGroup } from './process-group.js';
import { exitGuard } from './exit-guard.js';
import { killUntilGone, rememberingFinder } from './kill-until-gone.js';
import { RUN_LABEL_VARIABLE } from './process-labels.js';
import { environmentValue } from './process-table.js';
import { StatefulSetController } from './stateful-set.js';

export interface LocalClusterOptions {
  spec: ClusterSpec;
  runDir: string;
  layouts: NodeLayout[];
  envs: Record<string, string>[];
  epmd: Epmd;
  /** What the pods' containers and CLI calls run from at install (a pod template's image may change it later). */
  image: RabbitMqImage;
  log: Logger;
  redactor: Redactor;
  signal: AbortSignal;
  onPodChange?: (status: PodStatus) => void;
}

// Every capability; the emulated release renders the chart's force boot into the same pre-start command as the
// StatefulSet edit, and each method's mechanism says so.

/**
 * How long teardown waits, in ms, for the run's processes to be gone after SIGKILL. Orphans (a beam whose script
 * was killed with it, erl_child_setup, port programs) are reaped by PID 1, which may take a moment: 2 s where
 * PID 1 reaps on a timer, as measured on the development machine.
 */
const TEARDOWN_WAIT_MS = 15_000;

/** What a pod is created from: its image, the Secret's values and the command (force_boot or not), per revision. */
interface PodTemplate {
  image: RabbitMqImage;
  credentials: Credentials;
  forceBoot: boolean;
  /** How force boot got there; on local both ways render the same pre-start command. */
  forceBootVia?: ForceBootVia;
}

/** A cluster of real rabbitmq-server processes on loopback, one "pod" per node, under one run directory. */
export class LocalCluster implements StartedCluster, StatefulSetControl, ReleaseControl, VolumeFiles, ImageControl {
  readonly platform = 'local' as const;
  readonly nodes: ClusterNode[];
  readonly #controller: StatefulSetController<Pod>;
  /** Every template this StatefulSet had; revision n is #templates[n - 1]. */
  readonly #templates: PodTemplate[] = [];
  #tornDown: Promise<void> | undefined;
  /** See {@link StatefulSetControl.replicas}. */
  #replicas: number;
  /** The CLI calls (rabbitmqctl, …) still running. */
  readonly #cliCalls = new Set<Promise<void>>();
  /** The pods' server process groups not yet known to be entirely gone (orphans reaped too). */
  readonly #groups = new Set<ProcessGroup>();

  constructor(private readonly options: LocalClusterOptions) {
    this.nodes = options.layouts.map((layout) => ({
      ordinal: layout.ordinal,
      nodeName: layout.nodeName,
      amqp: { host: '127.0.0.1', port: layout.amqpPort },
    }));
    this.#templates.push({ image: options.image, credentials: options.spec.credentials, forceBoot: false });
    this.#replicas = options.spec.nodes;
    // The install forms the cluster with every pod at once (8 s instead of 24 s for 3 nodes on 2 cores);
    // the spec's start policy takes over once the cluster is up and governs every restart after that.
    this.#controller = new StatefulSetController<Pod>(options.spec.nodes, 'Parallel', (ordinal, revision) => this.#createPod(ordinal, revision));
  }

  get #template(): PodTemplate {
    return this.#templates[this.#controller.revision - 1]!;
  }

  /** Applies a template: the revision with the same content if there was one, else a new revision. */
  #applyTemplate(template: PodTemplate): number {
    const same = (t: PodTemplate) =>
      t.image.series === template.image.series &&
      t.forceBoot === template.forceBoot && t.forceBootVia === template.forceBootVia && t.credentials.password === template.credentials.password && t.credentials.erlangCookie === template.credentials.erlangCookie;
    let index = this.#templates.findIndex(same);
    if (index < 0) index = this.#templates.push(template) - 1;
    this.#controller.setRevision(index + 1);
    return index + 1;
  }

  get spec(): ClusterSpec {
    return this.options.spec;
  }

  get credentials(): Credentials {
    return this.#template.credentials;
  }

  describeAccess(): string[] {
    const first = this.options.envs[0]!;
    return [
      `run directory: ${this.options.runDir}`,
      ...this.nodes.map((node) => `${node.nodeName}: amqp://${node.amqp.host}:${node.amqp.port} (user ${this.credentials.username}; password in ${join(this.options.layouts[node.ordinal]!.configDir, 'rabbitmq.conf')})`),
      `CLI: env HOME=${first.HOME} ERL_EPMD_PORT=${first.ERL_EPMD_PORT} ${imageCommand(this.#imageOf(0), this.options.runDir, [`${RABBITMQ_BIN}/rabbitmqctl`, '-n', this.nodes[0]!.nodeName, 'cluster_status']).map(shellWord).join(' ')}`,
      `stop it: npm run warren -- cleanup --run ${this.spec.runId}`,
    ];
  }

  status(): PodStatus[] {
    return this.options.layouts.map(
      (layout) =>
        this.#controller.pod(layout.ordinal)?.status ?? { ordinal: layout.ordinal, nodeName: layout.nodeName, phase: 'absent', restarts: 0, bootFailures: 0, revision: 0, booted: false },
    );
  }

  startPolicy(): StartPolicy {
    return this.#controller.startPolicy;
  }

  async shutdown(options: { mode: 'graceful'; order: number[] } | { mode: 'kill' }): Promise<void> {
    this.#controller.scale(0);
    if (options.mode === 'kill') {
      await Promise.all(this.nodes.map((node) => this.#controller.deletePod(node.ordinal, 'kill')));
      return;
    }
    for (const ordinal of options.order) await this.#controller.deletePod(ordinal, 'graceful');
  }

  startUp(): void {
    this.#replicas = this.spec.nodes;
    this.#controller.scale(this.spec.nodes);
  }

  replicas(): number {
    return this.#replicas;
  }

  async scale(replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > this.spec.nodes) throw new RangeError(`replicas must be 0..${this.spec.nodes}, got ${replicas}`);
    this.options.log.info(`StatefulSet scaled to ${replicas}`);
    this.#replicas = replicas;
    this.#controller.scale(replicas);
    const surplus = this.nodes.filter((node) => node.ordinal >= replicas).reverse();
    if (this.#controller.startPolicy === 'OrderedReady') {
      for (const node of surplus) await this.#controller.deletePod(node.ordinal, 'graceful');
    } else {
      await Promise.all(surplus.map((node) => this.#controller.deletePod(node.ordinal, 'graceful')));
    }
  }

  deletePod(ordinal: number): Promise<void> {
    return this.#controller.deletePod(ordinal, 'graceful');
  }

  /** Called by provision once every pod is ready. */
  installed(): void {
    this.#controller.setPolicy(this.spec.startPolicy);
  }

  async setStartPolicy(policy: StartPolicy): Promise<void> {
    this.options.log.info(`StatefulSet recreated with podManagementPolicy ${policy}`);
    this.#controller.setPolicy(policy);
  }

  async upgrade(change: TemplateChange): Promise<void> {
    if (change.credentials) this.options.redactor.add(change.credentials);
    const forceBoot = change.forceBoot?.enabled ?? this.#template.forceBoot;
    // How force boot got in matters only while it is on: taking it out restores the earlier template (and revision).
    const forceBootVia = forceBoot ? (change.forceBoot?.via ?? this.#template.forceBootVia) : undefined;
    const template: PodTemplate = { image: this.#template.image, credentials: change.credentials ?? this.#template.credentials, forceBoot, ...(forceBootVia ? { forceBootVia } : {}) };
    const what = [change.credentials ? 'new Secret' : '', change.forceBoot ? `force_boot ${change.forceBoot.enabled ? 'on' : 'off'} (${change.forceBoot.via})` : '']
      .filter(Boolean)
      .join(', ');
    const revision = this.#applyTemplate(template);
    this.options.log.info(`pod template revision ${revision}: ${what || 'no change'}`);
  }

  revision(): number {
    return this.#controller.revision;
  }

  async setImage(series: RabbitMqSeries): Promise<void> {
    const image = await findImage(series);
    // Each process entering a root filesystem mounts its private layer below the run directory.
    if (image.rootfs !== undefined) await mkdir(layerMountPoint(this.options.runDir), { recursive: true, mode: 0o700 });
    const revision = this.#applyTemplate({ ...this.#template, image });
    this.options.log.info(`pod template revision ${revision}: image RabbitMQ ${series} (${image.rootfs ?? "the host's package"})`);
  }

  podImage(ordinal: number): RabbitMqSeries | undefined {
    const pod = this.#controller.pod(ordinal);
    return pod === undefined ? undefined : this.#templates[pod.revision - 1]?.image.series;
  }

  /** What a CLI call in pod `ordinal` runs from: its pod's image (`kubectl exec`), the current template's without a pod. */
  #imageOf(ordinal: number): RabbitMqImage {
    const pod = this.#controller.pod(ordinal);
    return (pod === undefined ? undefined : this.#templates[pod.revision - 1]?.image) ?? this.#template.image;
  }

  /**
   * What the pods created from the current template really run, read from each container process
   * (`/proc/<pid>/cmdline` and `environ`), not from the template warren stored: true only when every such running pod
   * runs it, false when none runs yet (a change no pod has picked up has not reached the cluster). Pods still on an
   * older revision (healthy ones a runbook left alone) say nothing about the change.
   */
  async appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }> {
    const current = this.nodes.map((node) => this.#controller.pod(node.ordinal)).filter((pod) => pod?.revision === this.#controller.revision);
    const running = current.map((pod) => pod?.pid).filter((pid): pid is number => pid !== undefined);
    const seen = await Promise.all(running.map((pid) => readProcess(pid).then((process) => (process ? forceBootIn(process.argv, process.env) : undefined))));
    const pods = seen.filter((found): found is { chartValue: boolean; command: boolean } => found !== undefined);
    return {
      chartValue: pods.length > 0 && pods.every((pod) => pod.chartValue),
      command: pods.length > 0 && pods.every((pod) => pod.command),
    };
  }

  async uninstall(options: { volumes: 'keep' | 'delete'; termination: UninstallTermination }): Promise<void> {
    const ordered = options.termination === 'scale-down' && this.#controller.startPolicy === 'OrderedReady';
    this.options.log.info(`uninstall: pods terminated ${ordered ? 'one by one from the highest ordinal' : 'all at once'}; volumes ${options.volumes === 'keep' ? 'kept' : 'deleted'}`);
    this.#controller.scale(0);
    if (ordered) {
      for (const node of [...this.nodes].reverse()) await this.#controller.deletePod(node.ordinal, 'graceful');
    } else {
      await Promise.all(this.nodes.map((node) => this.#controller.deletePod(node.ordinal, 'graceful')));
    }
    if (options.volumes === 'delete') {
      for (const layout of this.options.layouts) {
        await rm(layout.volume, { recursive: true, force: true });
        await mkdir(layout.volume, { recursive: true, mode: 0o700 });
      }
    }
  }

  async install(options: { credentials: Credentials }): Promise<void> {
    this.options.redactor.add(options.credentials);
    this.#controller.setPolicy(this.spec.startPolicy);
    const revision = this.#applyTemplate({ image: this.#template.image, credentials: options.credentials, forceBoot: false });
    this.options.log.info(`install: Secret and StatefulSet (podManagementPolicy ${this.spec.startPolicy}, revision ${revision})`);
    this.#replicas = this.spec.nodes;
    this.#controller.scale(this.spec.nodes);
  }

  /** From each pod's container output (console.log, kept across restarts): the script prints how force_boot ended. */
  async forceBootRuns(): Promise<ForceBootRun[]> {
    const runs: ForceBootRun[] = [];
    for (const node of this.nodes) {
      for (const match of (await this.readLog(node.ordinal)).matchAll(FORCE_BOOT_MARKER)) {
        runs.push({ ordinal: node.ordinal, exitCode: Number(match[1]), ...(match[2] ? { forceLoadWritten: match[2] === 'written' } : {}), output: match[0] });
      }
    }
    return runs;
  }

  async exec(ordinal: number, tool: CliTool, args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    const layout = this.#layout(ordinal);
    // A command line may carry a secret (rabbitmqctl change_password): an error naming it must not show it.
    const command = this.options.redactor.redact(`${tool} ${args.join(' ')}`);
    try {
      const [file, ...argv] = imageCommand(this.#imageOf(ordinal), this.options.runDir, [join(RABBITMQ_BIN, tool), '-n', layout.nodeName, ...args]);
      const timeoutMs = options.timeoutMs ?? 30_000;
      const call = execInGroup(file, argv, {
        env: this.options.envs[ordinal]!,
        cwd: layout.home,
        ...(options.input === undefined ? {} : { input: options.input }),
        timeoutMs,
        signal: this.options.signal,
      });
      // Teardown waits for every call still running (a cancelled one takes up to 2 s to end).
      const settled = call.then(() => undefined, () => undefined);
      this.#cliCalls.add(settled);
      void settled.then(() => this.#cliCalls.delete(settled));
      const result = await call;
      if (result.timedOut || result.isCanceled) {
        throw new ClusterCommandError(`${command} on ${layout.nodeName}: ${result.timedOut ? `no answer within ${timeoutMs} ms` : 'cancelled'}`, { failure: result.timedOut ? 'timeout' : 'cancelled' });
      }
      const redact = (text: string) => this.options.redactor.redact(text);
      return { exitCode: result.exitCode ?? -1, stdout: redact(String(result.stdout)), stderr: redact(String(result.stderr)) };
    } catch (error) {
      if (error instanceof ClusterCommandError) throw error;
      throw new ClusterCommandError(`${command} on ${layout.nodeName} failed: ${this.options.redactor.redact(errorMessage(error))}`);
    }
  }

  dataDir(ordinal: number): string {
    return this.#layout(ordinal).dataDir;
  }

  async writeDataFile(ordinal: number, name: string, content: string): Promise<void> {
    // Like `kubectl exec … touch`: the directory must exist already; nothing is created around the file.
    await writeFile(join(this.dataDir(ordinal), name), content);
  }

  async dataFileExists(ordinal: number, name: string): Promise<boolean> {
    try {
      await access(join(this.dataDir(ordinal), name));
      return true;
    } catch {
      return false;
    }
  }

  async readLog(ordinal: number): Promise<string> {
    const layout = this.#layout(ordinal);
    const parts = await Promise.all(
      [`${layout.nodeName}.log`, 'console.log'].map((file) => readFile(join(layout.logDir, file), 'utf8').catch(() => '')),
    );
    return this.options.redactor.redact(parts.join('\n'));
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const layout of this.options.layouts) {
      for (const [source, target] of [
        [`${layout.nodeName}.log`, `rabbit-${layout.ordinal}.log`],
        ['console.log', `rabbit-${layout.ordinal}.console.log`],
      ] as const) {
        const text = await readFile(join(layout.logDir, source), 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const file = join(dir, target);
        await writeFile(file, this.options.redactor.redact(text));
        written.push(file);
      }
    }
    return written;
  }

  teardown(options: { keep?: boolean } = {}): Promise<void> {
    this.#tornDown ??= this.#teardown(options.keep ?? false);
    return this.#tornDown;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.teardown();
  }

  /**
   * Kills every pod and epmd, waits for the CLI calls still running, then SIGKILLs whatever process still
   * carries the run's label (an orphaned port program, a CLI call's erl_child_setup) and waits until none of them
   * is left in the process table, zombies included (bounded: TEARDOWN_WAIT_MS), then removes the run directory.
   */
  async #teardown(keep: boolean): Promise<void> {
    const label = this.spec.runId;
    if (keep) {
      this.options.log.info('teardown skipped: --keep');
      exitGuard.releaseAll();
      return;
    }
    // Everything of the run that runs now is remembered, so that it counts until reaped even as a zombie; the
    // server groups remember the members they saw, orphans of an earlier stop included.
    const labelled = rememberingFinder((entry) => environmentValue(entry.pid, RUN_LABEL_VARIABLE) === label);
    labelled();
    const runProcesses = () => {
      const found = new Map(labelled().map((entry) => [entry.pid, entry] as const));
      for (const group of this.#groups) for (const entry of group.remaining()) found.set(entry.pid, entry);
      return [...found.values()];
    };
    try {
      this.options.log.info('teardown: killing every pod');
      await this.shutdown({ mode: 'kill' });
      await this.options.epmd.stop();
      await Promise.allSettled(this.#cliCalls);
      // Until reaped, zombies included: a zombie of a pod killed earlier in the drill is known only while it is
      // remembered here (measured: handing them to the exit guard instead let one erl_child_setup outlive warren).
      await killUntilGone(runProcesses, { what: `the processes of run ${label}`, timeoutMs: TEARDOWN_WAIT_MS });
      this.options.log.info('teardown: no process of the run is left');
    } finally {
      await rm(this.options.runDir, { recursive: true, force: true });
    }
    // Only now: until here, the exit guard still kills what is left and removes the directory if warren exits.
    exitGuard.forgetRun(label);
  }

  /** Remembers a server group until it is entirely gone; forgets those that are. */
  #watchGroup(group: ProcessGroup): void {
    for (const known of this.#groups) if (!known.running && known.remaining().length === 0) this.#groups.delete(known);
    this.#groups.add(group);
  }

  #layout(ordinal: number): NodeLayout {
    const layout = this.options.layouts[ordinal];
    if (!layout) throw new RangeError(`no node with ordinal ${ordinal} (cluster has ${this.options.layouts.length})`);
    return layout;
  }

  /** A pod is created from one template revision: its Secret values (cookie, default user) and its command. */
  #createPod(ordinal: number, revision: number): Pod {
    const layout = this.#layout(ordinal);
    const node = this.nodes[ordinal]!;
    const template = this.#templates[revision - 1]!;
    const log = this.options.log.child(`pod:${ordinal}`);
    const pod: Pod = new Pod({
      layout,
      revision,
      // The chart's force boot is an env var the entrypoint line of the script acts on, as with Bitnami's.
      env: template.forceBoot && template.forceBootVia === 'chart-values' ? { ...this.options.envs[ordinal]!, [FORCE_BOOT_ENV]: 'yes' } : this.options.envs[ordinal]!,
      log,
      probeReady: () => amqpProbe({ endpoint: node.amqp, credentials: template.credentials }),
      command: imageCommand(template.image, this.options.runDir, ['/bin/sh', '-c', containerScript(layout.nodeName, template.forceBoot && template.forceBootVia !== 'chart-values')]),
      preStart: () => writePodSecret(layout, rabbitmqConf(this.spec, layout, template.credentials), template.credentials.erlangCookie),
      onSpawn: (group) => this.#watchGroup(group),
      onChange: () => {
        this.options.onPodChange?.(pod.status);
        this.#controller.reconcile();
      },
      now: () => Date.now(),
      gracePeriodMs: (this.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS) * 1_000,
      ...(this.spec.livenessProbe === undefined ? {} : { liveness: { periodMs: this.spec.livenessProbe.periodSeconds * 1_000, failureThreshold: this.spec.livenessProbe.failureThreshold } }),
    });
    return pod;
  }
}

/**
 * The container's `/bin/sh -c` script: the entrypoint's force boot line (acts on RABBITMQ_FORCE_BOOT=yes), the
 * StatefulSet edit's line when `forceBootEdit`, then the server. The shell stays the process group leader (its
 * command line is what the pod runs) and passes the kubelet's SIGTERM on to the server for a graceful stop.
 */
export function containerScript(nodeName: string, forceBootEdit: boolean): string {
  const ctl = `${RABBITMQ_BIN}/rabbitmqctl -n ${nodeName}`;
  return [
    forceBootEnvLine(ctl),
    ...(forceBootEdit ? [forceBootLine(ctl)] : []),
    `server=; trap '[ -n "$server" ] && kill -TERM "$server" 2>/dev/null' TERM`,
    `${RABBITMQ_BIN}/rabbitmq-server & server=$!`,
    'wait "$server"; code=$?',
    '# a SIGTERM interrupts wait: wait again until the server has stopped',
    'while kill -0 "$server" 2>/dev/null; do wait "$server"; code=$?; done',
    'exit "$code"',
    '',
  ].join('\n');
}

/** A process's argv and environment from /proc, or undefined once it is gone. */
async function readProcess(pid: number): Promise<{ argv: string[]; env: Record<string, string> } | undefined> {
  try {
    const [cmdline, environ] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/environ`, 'utf8')]);
    const env = Object.fromEntries(environ.split('\0').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    return { argv: cmdline.split('\0').filter(Boolean), env };
  } catch {
    return undefined;
  }
}

/** What the container gets from the Secret at start: the config with the default user, and the cookie (mode 400). */
export async function writePodSecret(layout: NodeLayout, conf: string, cookie: string): Promise<void> {
  await writeFile(join(layout.configDir, 'rabbitmq.conf'), conf, { mode: 0o600 });
  const cookieFile = join(layout.home, '.erlang.cookie');
  await unlink(cookieFile).catch(() => undefined);
  await writeFile(cookieFile, cookie, { mode: 0o400 });
  await chmod(cookieFile, 0o400);
}

/** A word as a POSIX shell reads it back: as is when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

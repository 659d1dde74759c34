import { FORCE_BOOT_MARKER } from '../force-boot-command.js';
import type { V1Pod } from '@kubernetes/client-node';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { amqpProbe } from '../../broker/amqp-connection.js';
import { ClusterCommandError, errorMessage } from '../../common/errors.js';
import type { Credentials, Redactor } from '../../common/secrets.js';
import { sleep, waitFor } from '../../common/wait.js';
import type { Logger } from '../../common/logger.js';
import {
  type CliTool,
  type ClusterNode,
  type ClusterSpec,
  type ExecResult,
  type ForceBootRun,
  type PodStatus,
  type ReleaseControl,
  type StartedCluster,
  type StatefulSetControl,
  type VolumeFiles,
  type StartPolicy,
  type TemplateChange,
  type UninstallTermination,
} from '../../core/platform.js';
import type { KubeObjects } from './kube-objects.js';
import type { NodeContainers, PodContainer } from './node-containers.js';
import type { Kubectl } from './kubectl.js';
import { REVISION_ANNOTATION } from './manifests.js';
import type { Release, ReleaseTemplate } from './release.js';

export interface KindClusterOptions {
  spec: ClusterSpec;
  release: Release;
  kube: KubeObjects;
  kubectl: Kubectl;
  /** 127.0.0.1 ports that reach pod i's AMQP listener (a NodePort per pod, mapped by kind). */
  amqpHostPorts: number[];
  /** The Kubernetes API is simulated (--dry-run): no broker listens on those ports, and none is connected to. */
  simulated?: boolean;
  log: Logger;
  redactor: Redactor;
  signal: AbortSignal;
  onPodChange?: (status: PodStatus) => void;
  /** A whole Kubernetes restart (every kind node container stopped and started); only on a cluster warren created. */
  restartKubernetes?: () => Promise<void>;
  /** Runs after teardown removed the namespace (the platform decides whether the kind cluster goes too). */
  onTeardown?: (keep: boolean) => Promise<void>;
  /** The kind nodes' containers (docker exec): only on a kind cluster warren created or reuses; the kill needs them. */
  nodeContainers?: NodeContainers;
  /** How long teardown waits for the namespace to be gone (404), in ms (default 180 s). */
  namespaceGoneTimeoutMs?: number;
  pollIntervalMs?: number;
}



interface PodTrack {
  uid: string;
  readyRestarts: Set<number>;
  readySinceMs?: number;
}

/**
 * A RabbitMQ StatefulSet on a real Kubernetes cluster (kind), expressed through the same interface as the
 * local platform. Pods are observed by polling the API (status() must answer synchronously, from that cache),
 * and each pod's AMQP port is probed from the host, so "booted but refusing the Secret" is seen as on local.
 */
export class KindCluster implements StartedCluster, StatefulSetControl, ReleaseControl, VolumeFiles {
  readonly platform = 'kind' as const;
  readonly nodes: ClusterNode[];
  readonly #templates: ReleaseTemplate[] = [];
  #current: ReleaseTemplate;
  #policy: StartPolicy;
  /** See {@link StatefulSetControl.replicas}. */
  #replicas: number;
  #pods = new Map<number, PodStatus>();
  readonly #tracks = new Map<number, PodTrack>();
  readonly #archivedLogs = new Map<number, string[]>();
  /** Pods whose RabbitMQ app a graceful shutdown stopped (ordinal → pod uid): they go once every node is stopped. */
  readonly #appStopped = new Map<number, string>();
  #polling: Promise<void> | undefined;
  readonly #stopPolling = new AbortController();
  #tornDown: Promise<void> | undefined;

  constructor(private readonly options: KindClusterOptions) {
    const { spec, release } = options;
    this.nodes = Array.from({ length: spec.nodes }, (_, ordinal) => ({
      ordinal,
      nodeName: release.nodeName(ordinal),
      amqp: { host: '127.0.0.1', port: options.amqpHostPorts[ordinal]!, ...(options.simulated ? { simulated: true as const } : {}) },
    }));
    this.#current = { credentials: spec.credentials, forceBoot: { enabled: false, via: 'statefulset-command' }, revision: 1 };
    this.#templates.push(this.#current);
    this.#policy = spec.startPolicy;
    this.#replicas = spec.nodes;
  }

  get spec(): ClusterSpec {
    return this.options.spec;
  }

  get credentials(): Credentials {
    return this.#current.credentials;
  }

  /** The first template, for install; then keeps watching the pods until teardown. */
  get template(): ReleaseTemplate {
    return this.#current;
  }

  describeAccess(): string[] {
    const { kubectl } = this.options;
    return [
      `kube context ${kubectl.context}, namespace ${kubectl.namespace}`,
      ...this.nodes.map((node) => `${node.nodeName}: amqp://${node.amqp.host}:${node.amqp.port} (user ${this.credentials.username}; password in Secret rabbitmq)`),
      `CLI: kubectl --context ${kubectl.context} -n ${kubectl.namespace} exec ${this.options.release.podName(0)} -- rabbitmqctl cluster_status`,
      `stop it: npm run warren -- cleanup --platform kind --run ${this.spec.runId.split('-')[0]}`,
    ];
  }

  /** Starts watching the pods (called by the platform once the release is installed). */
  startWatching(): void {
    this.#polling ??= this.#poll();
  }

  status(): PodStatus[] {
    return this.nodes.map((node) => this.#pods.get(node.ordinal) ?? absent(node));
  }

  startPolicy(): StartPolicy {
    return this.#policy;
  }

  revision(): number {
    return this.#current.revision;
  }

  /**
   * graceful: `rabbitmqctl stop_app` in each pod in `order`, each node fully stopped (its Mnesia down) before the
   * next, then, once every node's app is stopped (a caller may stop them one call at a time, as FullShutdownFault
   * does), the StatefulSet is scaled to 0 and its pods deleted. kill: every pod's RabbitMQ SIGKILLed from its node at
   * the same moment, then scaled to 0 and the pods force-deleted; returns once no killed container runs any more.
   * Throws ClusterCommandError for a kill without access to the kind nodes (a --context cluster).
   */
  async shutdown(options: { mode: 'graceful'; order: number[] } | { mode: 'kill' }): Promise<void> {
    const { kube, release } = this.options;
    if (options.mode === 'kill') {
      await this.#kill();
    } else {
      for (const ordinal of options.order) {
        const stopped = await this.exec(ordinal, 'rabbitmqctl', ['stop_app'], { timeoutMs: 120_000 });
        if (stopped.exitCode !== 0) throw new ClusterCommandError(`rabbitmqctl stop_app on ${release.podName(ordinal)} failed: ${stopped.stderr.trim()}`, { failure: 'exit-code' });
        this.#appStopped.set(ordinal, this.#tracks.get(ordinal)?.uid ?? '');
      }
      // stop_app leaves the pod (and its Erlang VM) running. Scaling to 0 while other nodes still run would stop
      // them in Kubernetes' order (highest first), not in `order`, and the next call would exec into a deleted pod.
      const stillRunning = this.nodes.filter((node) => this.#pods.get(node.ordinal) && this.#pods.get(node.ordinal)!.phase !== 'absent' && this.#appStopped.get(node.ordinal) !== this.#tracks.get(node.ordinal)?.uid);
      if (stillRunning.length > 0) return;
      this.#appStopped.clear();
      await this.#archiveLogs(this.nodes.map((node) => node.ordinal));
      await kube.scaleStatefulSet(release.statefulSetName, 0);
      // Every pod turns unready once stop_app fails its readiness probe, and OrderedReady's scale-down then stops at
      // the first unready pod that is not the lowest one (processCondemned in stateful_set_control.go): it could
      // wait forever. The pods are deleted here, each with its grace period; their apps are stopped already.
      await kube.deleteAllPods();
    }
    await this.#waitFor('every pod gone', () => this.status().every((pod) => pod.phase === 'absent'), 300_000);
    // The field notes' whole-cluster outage was a full Kubernetes restart: the node containers go down and come
    // back (their volumes with them) before the StatefulSet starts the pods again.
    if (options.mode === 'graceful' && this.options.restartKubernetes) await this.options.restartKubernetes();
  }

  /** Scales back to the full count in the background, retrying for up to 5 min (after a restart the API may still refuse). */
  startUp(): void {
    this.#replicas = this.spec.nodes;
    const { kube, release, log, signal } = this.options;
    const scale = () => kube.scaleStatefulSet(release.statefulSetName, this.spec.nodes).then(
      () => true,
      (error) => {
        log.warn(`scale up failed, retrying: ${errorMessage(error)}`);
        return false;
      },
    );
    void waitFor('the StatefulSet scaled up', scale, { timeoutMs: 300_000, intervalMs: this.options.pollIntervalMs ?? 1_000, signal }).catch((error) => log.warn(`scale up gave up: ${errorMessage(error)}`));
  }

  async scale(replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > this.spec.nodes) throw new RangeError(`replicas must be 0..${this.spec.nodes}, got ${replicas}`);
    await this.#archiveLogs(this.nodes.filter((node) => node.ordinal >= replicas).map((node) => node.ordinal));
    this.#replicas = replicas;
    await this.options.kube.scaleStatefulSet(this.options.release.statefulSetName, replicas);
    await this.#waitFor(`pods ${replicas}.. gone`, () => this.status().every((pod) => pod.ordinal < replicas || pod.phase === 'absent'), 300_000);
  }

  replicas(): number {
    return this.#replicas;
  }

  async deletePod(ordinal: number): Promise<void> {
    await this.#archiveLogs([ordinal]);
    const before = this.#pods.get(ordinal);
    // The uid now, before the delete: #tracks is overwritten as soon as a poll sees the replacement pod.
    const beforeUid = before ? this.#uidOf(before) : undefined;
    await this.options.kube.deletePod(this.options.release.podName(ordinal));
    // Deleted means gone or replaced by a new pod object (the StatefulSet recreates it at once).
    await this.#waitFor(`pod ${ordinal} deleted`, () => {
      const now = this.#tracks.get(ordinal);
      return this.#pods.get(ordinal)?.phase === 'absent' || !before || now?.uid !== beforeUid;
    }, 300_000);
  }

  async setStartPolicy(policy: StartPolicy): Promise<void> {
    this.#policy = policy;
    // The StatefulSet is created again from the release's template: with its full replica count.
    this.#replicas = this.spec.nodes;
    await this.options.release.recreateWithPolicy(this.#current, policy);
  }

  async upgrade(change: TemplateChange): Promise<void> {
    if (change.credentials) this.options.redactor.add(change.credentials);
    this.#current = this.#template({
      credentials: change.credentials ?? this.#current.credentials,
      forceBoot: change.forceBoot ?? this.#current.forceBoot,
    });
    // `helm upgrade` renders replicaCount from the release's values: the full count, undoing a `kubectl scale`.
    this.#replicas = this.spec.nodes;
    await this.options.release.upgrade(this.#current);
    await this.#observedByController();
  }

  /**
   * Returns once the StatefulSet controller has seen the latest spec (status.observedGeneration ≥ generation), with
   * status() read fresh from the API: a caller that deletes pods next (force boot's runbooks) acts on the pods that
   * exist now, and the controller recreates them from the new template, not from the one it saw last.
   */
  async #observedByController(): Promise<void> {
    const { kube, release } = this.options;
    await this.#waitForAsync('the StatefulSet controller to observe the change', async () => {
      const statefulSet = await kube.readStatefulSet(release.statefulSetName);
      return (statefulSet.status?.observedGeneration ?? 0) >= (statefulSet.metadata?.generation ?? 1);
    }, 120_000);
    await this.#observe(await kube.listPods());
  }

  appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }> {
    return this.options.release.appliedForceBoot();
  }

  async uninstall(options: { volumes: 'keep' | 'delete'; termination: UninstallTermination }): Promise<void> {
    await this.#archiveLogs(this.nodes.map((node) => node.ordinal));
    await this.options.release.uninstall(options.termination);
    if (options.volumes === 'delete') {
      await this.options.kube.deletePersistentVolumeClaims();
      await this.#waitForAsync('every volume deleted', async () => (await this.options.kube.listPersistentVolumeClaimNames()).length === 0, 300_000);
    }
  }

  async install(options: { credentials: Credentials }): Promise<void> {
    this.options.redactor.add(options.credentials);
    this.#current = this.#template({ credentials: options.credentials, forceBoot: { enabled: false, via: 'statefulset-command' } });
    this.#policy = this.spec.startPolicy;
    this.#replicas = this.spec.nodes;
    await this.options.release.install(this.#current, this.spec.startPolicy);
  }

  /** From the container logs (kept across pod deletions): the script prints how force_boot ended. */
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
    const { kubectl, release, redactor } = this.options;
    const pod = release.podName(ordinal);
    try {
      const result = await kubectl.exec(pod, release.container, [tool, '--longnames', '-n', release.nodeName(ordinal), ...args], {
        ...options,
        signal: this.options.signal,
      });
      return { exitCode: result.exitCode, stdout: redactor.redact(result.stdout), stderr: redactor.redact(result.stderr) };
    } catch (error) {
      // A command line may carry a secret (rabbitmqctl change_password): the error must not show it.
      throw new ClusterCommandError(redactor.redact(`${tool} ${args.join(' ')} in ${pod} failed: ${errorMessage(error)}`));
    }
  }

  dataDir(ordinal: number): string {
    return this.options.release.mnesiaDir(ordinal);
  }

  /** `kubectl exec -i … sh -c 'cat > "$1"'`: the directory must exist already, nothing is created around the file. */
  async writeDataFile(ordinal: number, name: string, content: string): Promise<void> {
    const { kubectl, release } = this.options;
    const path = `${this.dataDir(ordinal)}/${name}`;
    const result = await kubectl.exec(release.podName(ordinal), release.container, ['sh', '-c', 'cat > "$1"', 'sh', path], { input: content, signal: this.options.signal });
    if (result.exitCode !== 0) throw new ClusterCommandError(`writing ${path} in ${release.podName(ordinal)} failed: ${result.stderr.trim()}`);
  }

  async dataFileExists(ordinal: number, name: string): Promise<boolean> {
    const { kubectl, release } = this.options;
    const result = await kubectl.exec(release.podName(ordinal), release.container, ['test', '-e', `${this.dataDir(ordinal)}/${name}`], { signal: this.options.signal });
    return result.exitCode === 0;
  }

  async readLog(ordinal: number): Promise<string> {
    const live = await this.#podLogs(ordinal);
    return this.options.redactor.redact([...(this.#archivedLogs.get(ordinal) ?? []), live].join('\n'));
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const node of this.nodes) {
      const file = join(dir, `rabbit-${node.ordinal}.log`);
      await writeFile(file, await this.readLog(node.ordinal));
      written.push(file);
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

  async #teardown(keep: boolean): Promise<void> {
    this.#stopPolling.abort();
    await this.#polling?.catch(() => undefined);
    if (!keep) {
      this.options.log.info(`teardown: deleting namespace ${this.options.kube.namespace}`);
      // Until the namespace is gone its NodePorts are taken: the next drill's Services would be refused.
      await this.options.kube.deleteNamespaceAndWait(this.options.namespaceGoneTimeoutMs ?? 180_000).catch((error) => this.options.log.warn(`namespace ${this.options.kube.namespace} not gone yet: ${errorMessage(error)}`));
    }
    await this.options.onTeardown?.(keep);
  }

  /**
   * kill -9 of every node at once: each pod's RabbitMQ container SIGKILLed from its kind node (all at the same
   * moment), then the StatefulSet scaled to 0 and the pods force-deleted so kubelet does not restart them; waits
   * until no killed container runs, so nothing starts on a volume an old container still writes.
   */
  async #kill(): Promise<void> {
    const { kube, release, nodeContainers } = this.options;
    if (!nodeContainers) throw new ClusterCommandError('kill -9 needs the kind nodes (docker exec): not available on a cluster warren did not create', { failure: 'exit-code' });
    await this.#archiveLogs(this.nodes.map((node) => node.ordinal));
    const targets: PodContainer[] = (await kube.listPods())
      .filter((pod) => pod.spec?.nodeName && ordinalOf(pod.metadata?.name ?? '', release) !== undefined)
      .map((pod) => ({ node: pod.spec!.nodeName!, namespace: kube.namespace, pod: pod.metadata!.name!, container: release.container }));
    await Promise.all(targets.map((target) => nodeContainers.kill(target)));
    await kube.scaleStatefulSet(release.statefulSetName, 0);
    await kube.deleteAllPods(0);
    // kubelet may have restarted a killed container (the first restart has no back-off) before the delete landed:
    // that one would now get SIGTERM, a graceful stop. Killing again until none runs keeps it a kill -9.
    await this.#waitForAsync('every killed container gone from its node', async () => !(await Promise.all(targets.map((target) => nodeContainers.kill(target)))).some((result) => result.killed), 300_000);
  }

  #template(content: Omit<ReleaseTemplate, 'revision'>): ReleaseTemplate {
    const same = this.#templates.find(
      (t) =>
        t.credentials.password === content.credentials.password &&
        t.credentials.erlangCookie === content.credentials.erlangCookie &&
        t.forceBoot.enabled === content.forceBoot.enabled &&
        (!t.forceBoot.enabled || t.forceBoot.via === content.forceBoot.via),
    );
    if (same) return same;
    const created = { ...content, revision: this.#templates.length + 1 };
    this.#templates.push(created);
    return created;
  }

  async #poll(): Promise<void> {
    const signal = AbortSignal.any([this.#stopPolling.signal, this.options.signal]);
    while (!signal.aborted) {
      try {
        await this.#observe(await this.options.kube.listPods());
      } catch (error) {
        this.options.log.warn(`watching pods: ${errorMessage(error)}`);
      }
      await sleep(this.options.pollIntervalMs ?? 1_000, signal).catch(() => undefined);
    }
  }

  async #observe(pods: V1Pod[]): Promise<void> {
    const seen = new Set<number>();
    for (const pod of pods) {
      const ordinal = ordinalOf(pod.metadata?.name ?? '', this.options.release);
      if (ordinal === undefined) continue;
      seen.add(ordinal);
      const status = await this.#statusOf(ordinal, pod);
      this.#publish(status);
    }
    for (const node of this.nodes) if (!seen.has(node.ordinal)) this.#publish(absent(node));
  }

  async #statusOf(ordinal: number, pod: V1Pod): Promise<PodStatus> {
    const uid = pod.metadata?.uid ?? '';
    let track = this.#tracks.get(ordinal);
    if (!track || track.uid !== uid) {
      track = { uid, readyRestarts: new Set() };
      this.#tracks.set(ordinal, track);
    }
    const container = pod.status?.containerStatuses?.find((c) => c.name === this.options.release.container);
    const restarts = container?.restartCount ?? 0;
    const ready = container?.ready === true;
    if (ready) {
      track.readyRestarts.add(restarts);
      track.readySinceMs ??= Date.now();
    } else {
      track.readySinceMs = undefined;
    }
    const bootFailures = Array.from({ length: restarts }, (_, r) => r).filter((r) => !track.readyRestarts.has(r)).length;
    const phase = pod.metadata?.deletionTimestamp ? 'terminating' : ready ? 'ready' : container?.state?.waiting?.reason === 'CrashLoopBackOff' ? 'back-off' : 'starting';
    const running = container?.state?.running !== undefined;
    const booted = ready || (running && (await amqpProbe({ endpoint: this.nodes[ordinal]!.amqp, credentials: this.credentials }, 1_000)) === 'refused');
    const status: PodStatus = {
      ordinal,
      nodeName: this.nodes[ordinal]!.nodeName,
      phase,
      restarts,
      bootFailures,
      revision: Number(pod.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
      booted,
    };
    if (track.readySinceMs !== undefined) status.readySinceMs = track.readySinceMs;
    return status;
  }

  #publish(status: PodStatus): void {
    const before = this.#pods.get(status.ordinal);
    this.#pods.set(status.ordinal, status);
    if (!before || before.phase !== status.phase || before.revision !== status.revision || before.booted !== status.booted) this.options.onPodChange?.(status);
  }

  #uidOf(status: PodStatus): string | undefined {
    return status.phase === 'absent' ? undefined : this.#tracks.get(status.ordinal)?.uid;
  }

  /** Keeps what a pod logged before warren deletes it: Kubernetes forgets a deleted pod's logs. */
  async #archiveLogs(ordinals: number[]): Promise<void> {
    for (const ordinal of ordinals) {
      const text = await this.#podLogs(ordinal).catch(() => '');
      if (text) this.#archivedLogs.set(ordinal, [...(this.#archivedLogs.get(ordinal) ?? []), text]);
    }
  }

  async #podLogs(ordinal: number): Promise<string> {
    const { kube, release } = this.options;
    const name = release.podName(ordinal);
    const [previous, current] = await Promise.all([kube.podLog(name, release.container, true), kube.podLog(name, release.container, false)]);
    return [previous, current].filter(Boolean).join('\n');
  }

  async #waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    // The condition reads the cache the poller fills: checking it more often than it is filled is pointless.
    await waitFor(what, async () => condition(), { timeoutMs, intervalMs: this.options.pollIntervalMs ?? 500, signal: this.options.signal });
  }

  async #waitForAsync(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    await waitFor(what, condition, { timeoutMs, intervalMs: this.options.pollIntervalMs ?? 1_000, signal: this.options.signal });
  }
}

function absent(node: ClusterNode): PodStatus {
  return { ordinal: node.ordinal, nodeName: node.nodeName, phase: 'absent', restarts: 0, bootFailures: 0, revision: 0, booted: false };
}

export function ordinalOf(podName: string, release: Pick<Release, 'podName'>): number | undefined {
  const match = /-(\d+)$/.exec(podName);
  if (!match) return undefined;
  const ordinal = Number(match[1]);
  return release.podName(ordinal) === podName ? ordinal : undefined;
}

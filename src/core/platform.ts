import type { RabbitMqRelease, RabbitMqSeries } from './rabbitmq-release.js';
import type { Credentials } from '../common/secrets.js';
import type { Logger } from '../common/logger.js';

export type PlatformName = 'local' | 'docker' | 'kind';

/**
 * The StatefulSet's `podManagementPolicy` values (Kubernetes API reference, StatefulSetSpec): the Bitnami chart's
 * default is OrderedReady, the RabbitMQ Cluster Operator's is Parallel.
 */
export const START_POLICIES = ['OrderedReady', 'Parallel'] as const;
export type StartPolicy = (typeof START_POLICIES)[number];

/** How long a booting Mnesia node waits for its peers' tables (rabbit.mnesia_table_loading_retry_*). */
export interface TableWaitSettings {
  retryTimeoutMs: number;
  retryLimit: number;
}

/** Kubernetes' default terminationGracePeriodSeconds (PodSpec), the local pods' unless told otherwise. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 30;

/** A liveness probe that logs in with the Secret: every `periodSeconds`, restarting after `failureThreshold` failures in a row. */
export interface LivenessProbe {
  periodSeconds: number;
  failureThreshold: number;
}

/**
 * The liveness probe `--liveness-probe login` sets: 5 s × 3. Drill timing, like the short table wait: the Bitnami
 * chart's own (30 s × 6 after 120 s) would restart a pod only minutes into a drill; the report states the values.
 */
export const LOGIN_LIVENESS_PROBE: LivenessProbe = { periodSeconds: 5, failureThreshold: 3 };

export interface ClusterSpec {
  runId: string;
  nodes: number;
  startPolicy: StartPolicy;
  credentials: Credentials;
  tableWait: TableWaitSettings;
  /**
   * The pod's terminationGracePeriodSeconds: how long a graceful stop (SIGTERM) may take before the kubelet sends
   * SIGKILL. Unset: the pod template's own (local and kind's manifests: Kubernetes' default, 30 s; the Bitnami
   * chart: 120 s). On Khepri the last node of a full shutdown takes 30 s to stop (30.1 s with a 300 s grace), so
   * 30 s kills it (measured: 4.3.6 and 4.0.5 khepri, 2026-12-01); 3.10 and 4.0 mnesia nodes stop in ~1 s.
   */
  terminationGracePeriodSeconds?: number;
  /**
   * A livenessProbe that logs in with the Secret (unset: none, as in warren's manifests and the Bitnami chart's,
   * whose probes use the Erlang cookie). Failing `periodSeconds × failureThreshold` in a row, the container is
   * restarted: what an older chart's `curl --user` probe does once the password no longer matches.
   */
  livenessProbe?: LivenessProbe;
  /** The RabbitMQ series and metadata store to install (the local platform; kind runs the image it is given). */
  rabbitmq: RabbitMqRelease;
}

export type PodPhase = 'absent' | 'starting' | 'ready' | 'back-off' | 'terminating';

export interface PodStatus {
  ordinal: number;
  nodeName: string;
  phase: PodPhase;
  /** Times the pod's server process exited and was started again (kubectl's RESTARTS). */
  restarts: number;
  /** Exits that happened before the node ever became ready (BOOT FAILED, crash). */
  bootFailures: number;
  /** When the pod last became ready (ms since the cluster's clock origin). */
  readySinceMs?: number;
  /** The pod template revision the pod was created from (StatefulSet controller-revision). */
  revision: number;
  /** The node answers AMQP (it has booted), even if its readiness probe's login is refused. */
  booted: boolean;
}

export type UninstallTermination = 'scale-down' | 'at-once';

/** How force_boot gets into the pod: the chart's value (rendered as RABBITMQ_FORCE_BOOT) or an edited command. */
export type ForceBootVia = 'chart-values' | 'statefulset-command';

/** A change to the release: what `helm upgrade` or `kubectl edit statefulset` does to the pod template. */
export interface TemplateChange {
  /** The Secret's new contents (a `helm upgrade` without the old values regenerates them). */
  credentials?: Credentials;
  forceBoot?: { enabled: boolean; via: ForceBootVia };
}

export interface AmqpEndpoint {
  host: string;
  port: number;
  /** No broker behind it (a dry run against a simulated Kubernetes API): AmqpConnection.open refuses it at once, opening no socket. */
  simulated?: true;
}

export interface ClusterNode {
  ordinal: number;
  /** Erlang node name, e.g. rabbit-0@localhost; on Kubernetes rabbit@<pod>.<svc>.<ns>.svc.cluster.local */
  nodeName: string;
  amqp: AmqpEndpoint;
}

export type CliTool = 'rabbitmqctl' | 'rabbitmq-diagnostics' | 'rabbitmq-queues' | 'rabbitmq-upgrade' | 'rabbitmq-plugins';

export interface ForceBootRun {
  ordinal: number;
  exitCode: number;
  /** Whether force_boot left a force_load file in the node's data directory; undefined where not reported. */
  forceLoadWritten?: boolean;
  output: string;
}

/** A RabbitMQ CLI call's result: its exit code (0 = success; otherwise sysexits.h codes, e.g. 64 usage, 69 node unavailable, 70 internal error) and output. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A running RabbitMQ cluster, expressed as Kubernetes sees it: a StatefulSet of N pods, each with its own
 * volume. This is the core every platform provides (reach the nodes, observe the pods, run the RabbitMQ CLI, read
 * logs, remove everything); what a platform can do beyond it is an optional interface (see {@link Capability}),
 * so a fault or method written once says what it needs and a platform without it reports not-applicable.
 */
export interface StartedCluster extends AsyncDisposable {
  readonly platform: PlatformName;
  readonly spec: ClusterSpec;
  readonly nodes: readonly ClusterNode[];
  /** The credentials of the current install (the Secret clients would read); changes with install/upgrade. */
  readonly credentials: Credentials;
  /** Where the cluster can be reached from outside, for --keep. */
  describeAccess(): string[];

  status(): PodStatus[];
  /** The StatefulSet's podManagementPolicy now. */
  startPolicy(): StartPolicy;
  /** The current pod template revision; pods created before a change carry an older one. */
  revision(): number;

  /**
   * `kubectl exec`: a RabbitMQ CLI tool in the node's pod (for local: with the node's environment).
   * @returns its exit code and output, whatever the exit code.
   * @throws ClusterCommandError when it cannot be run or outlasts `timeoutMs`.
   */
  exec(ordinal: number, tool: CliTool, args: string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Everything the node logged since the cluster was provisioned (all boots, server log and console). */
  readLog(ordinal: number): Promise<string>;
  /** Copy node logs (redacted) into a report directory; returns the files written. */
  collectLogs(dir: string): Promise<string[]>;

  /** Stop everything and remove what was created, unless kept. Idempotent. */
  teardown(options?: { keep?: boolean }): Promise<void>;
}

/** Capability `statefulset`: `kubectl` on the StatefulSet and its pods. */
export interface StatefulSetControl {
  /** Take every pod away in `order`: gracefully one by one (each fully down first), or all at once with kill -9. */
  shutdown(options: { mode: 'graceful'; order: number[] } | { mode: 'kill' }): Promise<void>;
  /** Let the StatefulSet controller bring the pods back, honouring the start policy. Returns at once. */
  startUp(): void;
  /**
   * `kubectl scale statefulset --replicas=N`: scaling down terminates the highest ordinals (one by one under
   * OrderedReady, each fully down first) and resolves once they are gone; scaling up returns at once.
   */
  scale(replicas: number): Promise<void>;
  /**
   * The StatefulSet's `spec.replicas` as warren last decided it: the last `scale()`, or the spec's node count after
   * `startUp()` and a (re)install. A whole-cluster outage (`shutdown`, `uninstall`) is not a decision to shrink and
   * leaves it as it was. The pods below it are the ones meant to serve (see {@link servingNodes}).
   */
  replicas(): number;
  /** `kubectl delete pod`: terminate (grace period, then kill) and let the controller recreate it. */
  deletePod(ordinal: number): Promise<void>;
  /** Recreate the StatefulSet with another podManagementPolicy, keeping its pods and volumes. Resolves once applied. */
  setStartPolicy(policy: StartPolicy): Promise<void>;
}

/** Capability `release`: the chart's release (`helm install/upgrade/delete`, or `kubectl edit` of its StatefulSet). */
export interface ReleaseControl {
  /**
   * `helm upgrade` / `kubectl edit statefulset`: a new pod template revision. The StatefulSet rolls it out as
   * Kubernetes does (RollingUpdate: highest ordinal first, the next only once the others are ready; under
   * OrderedReady an unready pod blocks the rollout until someone deletes it). Resolves once the new template is
   * applied (not once the pods have rolled): deleting a pod after that recreates it from the new template.
   */
  upgrade(change: TemplateChange): Promise<void>;
  /**
   * `helm delete` (and `kubectl delete pvc` when volumes are deleted). How the pods go:
   * - 'scale-down': Helm 2's `helm del` (the field notes' era) scaled the StatefulSet to 0 first (kubectl's
   *   StatefulSetReaper): under OrderedReady the highest ordinal stops first and pod-0 last, each fully down.
   * - 'at-once': Helm 3's `helm uninstall` deletes the StatefulSet and the garbage collector deletes every pod
   *   at once, so which node stops last (and may boot alone later) is a race.
   */
  uninstall(options: { volumes: 'keep' | 'delete'; termination: UninstallTermination }): Promise<void>;
  /** `helm install` on whatever volumes exist, with this Secret; pods start under the chart's start policy. */
  install(options: { credentials: Credentials }): Promise<void>;
  /**
   * Whether the pods really run force_boot at start (read back, never assumed): the chart's value (RABBITMQ_FORCE_BOOT) and
   * an edited command. local: the process command line and environment of every running pod of the current revision;
   * kind: the StatefulSet as applied.
   */
  appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }>;
  /** What each force_boot run by the pod template printed (a container log, on Kubernetes). */
  forceBootRuns(): Promise<ForceBootRun[]>;
}

/**
 * Capability `image`: the StatefulSet's container image, one per RabbitMQ series (`kubectl set image`, or `helm
 * upgrade --set image.tag=…`). Changing it is a new pod template revision, rolled out as any other (RollingUpdate:
 * highest ordinal first, the next once the others are ready), on the pods' existing volumes.
 */
export interface ImageControl {
  /**
   * Sets the pod template's image to RabbitMQ `series`. Resolves once the template is applied, not once the pods rolled.
   * @throws EnvironmentError when the image of `series` is not available here (local: its root filesystem is not built).
   */
  setImage(series: RabbitMqSeries): Promise<void>;
  /** The series of the image pod `ordinal` was created from (its template revision's), or undefined when it is absent. */
  podImage(ordinal: number): RabbitMqSeries | undefined;
}

/** Capability `volume-files`: files in a node's data directory, on its volume (the PVC). */
export interface VolumeFiles {
  /** The node's mnesia directory, as a path inside the pod. */
  dataDir(ordinal: number): string;
  writeDataFile(ordinal: number, name: string, content: string): Promise<void>;
  dataFileExists(ordinal: number, name: string): Promise<boolean>;
}

/** Each capability's interface. */
export interface CapabilityInterfaces {
  statefulset: StatefulSetControl;
  release: ReleaseControl;
  'volume-files': VolumeFiles;
  image: ImageControl;
}

/**
 * What a cluster can do beyond its core, each an optional interface: `statefulset` ({@link StatefulSetControl}),
 * `release` ({@link ReleaseControl}), `volume-files` ({@link VolumeFiles}), `image` ({@link ImageControl}). Faults and recoveries list the ones they
 * use in `requires`; a drill whose cluster lacks one is not-applicable.
 */
export type Capability = keyof CapabilityInterfaces;

/** The members of each capability's interface: a cluster has the capability when every one is a function on it. */
export const CAPABILITY_MEMBERS = {
  statefulset: ['shutdown', 'startUp', 'scale', 'replicas', 'deletePod', 'setStartPolicy'],
  release: ['upgrade', 'uninstall', 'install', 'appliedForceBoot', 'forceBootRuns'],
  'volume-files': ['dataDir', 'writeDataFile', 'dataFileExists'],
  image: ['setImage', 'podImage'],
} as const satisfies { readonly [C in Capability]: readonly (keyof CapabilityInterfaces[C])[] };

/** Compile-time: a member added to a capability's interface but not listed above fails the build here. */
type Unlisted = { [C in Capability]: Exclude<keyof CapabilityInterfaces[C], (typeof CAPABILITY_MEMBERS)[C][number]> }[Capability];
const EVERY_MEMBER_LISTED: [Unlisted] extends [never] ? true : never = true;
void EVERY_MEMBER_LISTED;

/** Every capability, in a stable order. */
export const CAPABILITIES = Object.keys(CAPABILITY_MEMBERS) as Capability[];

/** Whether the cluster implements the capability's interface: every member is a function on it (read, never claimed). */
export function hasCapability<T extends StartedCluster, C extends Capability>(cluster: T, capability: C): cluster is T & CapabilityInterfaces[C] {
  const members: readonly string[] | undefined = CAPABILITY_MEMBERS[capability];
  // A name that is no capability (from JavaScript, which no type checker saw) is one no cluster has.
  return members !== undefined && members.every((member) => typeof (cluster as unknown as Record<string, unknown>)[member] === 'function');
}

/** The capabilities the cluster implements. */
export function capabilitiesOf(cluster: StartedCluster): Capability[] {
  return CAPABILITIES.filter((capability) => hasCapability(cluster, capability));
}

/**
 * The cluster as the capability's interface, for a fault or method that listed it in `requires` (the drill has
 * checked it before calling them).
 * @throws TypeError when the cluster lacks it: a `requires` that does not list what the code uses.
 */
export function need<T extends StartedCluster, C extends Capability>(cluster: T, capability: C): T & CapabilityInterfaces[C] {
  if (!hasCapability(cluster, capability)) throw new TypeError(`the ${cluster.platform} cluster has no ${capability} capability: list it in requires`);
  return cluster;
}

/**
 * The nodes meant to serve now: on a StatefulSet, the pods below its replica count (after a scale-down from 3 to 1,
 * only pod 0: the removed pods are not expected to answer, as in Kubernetes, where `kubectl scale` deletes the highest
 * ordinals and keeps their PVCs); on a platform without one, every node. Never empty while the cluster has a node.
 */
export function servingNodes(cluster: StartedCluster): readonly ClusterNode[] {
  if (!hasCapability(cluster, 'statefulset')) return cluster.nodes;
  const replicas = cluster.replicas();
  const serving = cluster.nodes.filter((node) => node.ordinal < replicas);
  return serving.length > 0 ? serving : cluster.nodes.slice(0, 1);
}

export interface ProvisionContext {
  signal: AbortSignal;
  log: Logger;
  /** Whether teardown keeps the run's directory/objects for inspection. */
  keep: boolean;
  onPodChange?: (status: PodStatus) => void;
}

export interface Platform {
  readonly name: PlatformName;
  /** Fails fast (EnvironmentError) naming everything missing, before anything is created. */
  /** Checks, before anything starts, that the platform can run `releases` (each RabbitMQ series and store asked for). */
  preflight(releases?: readonly RabbitMqRelease[]): Promise<void>;
  provision(spec: ClusterSpec, context: ProvisionContext): Promise<StartedCluster>;
  /** After the last drill of a run: release what the platform shares between drills (a kind cluster). */
  close?(): Promise<void>;
}

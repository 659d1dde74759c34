import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError, errorMessage } from '../../common/errors.js';
import { findFreePortBlock } from '../../common/ports.js';
import type { Redactor } from '../../common/secrets.js';
import { waitFor } from '../../common/wait.js';
import type { ClusterSpec, Platform, ProvisionContext } from '../../core/platform.js';
import { execaRunner, type CommandRunner } from './command-runner.js';
import { assertContextAllowed, kindContext, WARREN_CLUSTER_PREFIX } from './context-guard.js';
import { HelmCli } from './helm-cli.js';
import { DEFAULT_CHART_VERSION, DEFAULT_HELM_IMAGE, HelmRelease } from './helm-release.js';
import { isOfficialRabbitMqImage, parseImageReference } from './image-reference.js';
import { dockerPlatformFor, KindCli } from './kind-cli.js';
import { KindCluster } from './kind-cluster.js';
import { renderKindConfig } from './kind-config.js';
import { KubeObjects } from './kube-objects.js';
import { Kubectl } from './kubectl.js';
import { ManifestsRelease } from './manifests-release.js';
import { NodeContainers } from './node-containers.js';
import { DEFAULT_IMAGE, namespaceObject, NODE_PORT_BASE, RUN_LABEL, SEED_AMQP_NODE_PORT } from './manifests.js';
import type { Exposure } from './exposure.js';
import { PortForwards } from './port-forwards.js';
import type { Release } from './release.js';

export interface KindOptions {
  installer: 'manifests' | 'helm';
  /** The RabbitMQ image reference (left unset in KindPlatformOptions: the installer's own, DEFAULT_IMAGES). */
  image: string;
  /** Keep one warm cluster named `warren` across runs instead of a cluster per run. */
  reuseCluster: boolean;
  /** An existing kube context (only with allowContext naming it): no kind cluster is created or deleted. */
  context?: string;
  allowContext?: string;
  /** The Bitnami chart version (helm only); unset: DEFAULT_CHART_VERSION, the chart of the default helm image. */
  chartVersion?: string;
}

export const DEFAULT_KIND_OPTIONS: Omit<KindOptions, 'image'> = { installer: 'manifests', reuseCluster: false };

/**
 * The image each installer runs unless told: the official image for warren's manifests (its docker-entrypoint.sh),
 * a Bitnami image for the Bitnami chart (its /opt/bitnami scripts); neither runs the other's.
 */
export const DEFAULT_IMAGES: Readonly<Record<KindOptions['installer'], string>> = { manifests: DEFAULT_IMAGE, helm: DEFAULT_HELM_IMAGE };

export interface KindPlatformOptions extends Partial<KindOptions> {
  redactor: Redactor;
  /** The CLI run id: names the kind cluster, so warren only ever deletes its own. */
  runId?: string;
  run?: CommandRunner;
  kindConfigPath?: string;
  readyTimeoutMs?: number;
  /** How often pods are polled through the API (default 1 s; contract tests against a fake API use less). */
  pollIntervalMs?: number;
  /** The CPU architecture kind's nodes run on, as Node names it (default: `process.arch`, the host's). */
  hostArch?: string;
  /**
   * The kind CLI and the Kubernetes API are simulated (--dry-run): host ports are the NodePorts themselves (the same
   * text on every run, none bound) and no AMQP connection is opened to them.
   */
  simulated?: boolean;
}

interface KindTarget {
  kubeConfig: KubeConfig;
  context: string;
  /** 127.0.0.1 port per pod ordinal. */
  hostPorts: number[];
  /** The kind cluster warren created for this run (deleted at close), if any. */
  created?: string;
  /** NodePorts mapped by kind, or port-forwards on a cluster warren did not create. */
  exposure: Exposure;
}

/**
 * The kind platform: a real Kubernetes cluster (kind, via its CLI), RabbitMQ from warren's manifests or the
 * Bitnami chart, objects through @kubernetes/client-node. One kind cluster per warren run (drills get a
 * namespace each), created on the first drill and deleted at close unless --reuse-cluster or --keep.
 */
export class KindPlatform implements Platform {
  readonly name = 'kind' as const;
  readonly #options: KindOptions;
  readonly #run: CommandRunner;
  readonly #kind: KindCli;
  #target: Promise<KindTarget> | undefined;
  #keep = false;

  /** @throws TypeError for the official rabbitmq image with the helm installer (see isOfficialRabbitMqImage). */
  constructor(private readonly platform: KindPlatformOptions) {
    const installer = platform.installer ?? DEFAULT_KIND_OPTIONS.installer;
    if (installer === 'helm' && platform.image !== undefined && isOfficialRabbitMqImage(platform.image)) {
      throw new TypeError(`kind platform: the Bitnami chart cannot run the official image ${platform.image}; give a Bitnami image (default ${DEFAULT_HELM_IMAGE})`);
    }
    this.#options = {
      installer,
      image: platform.image ?? DEFAULT_IMAGES[installer],
      reuseCluster: platform.reuseCluster ?? DEFAULT_KIND_OPTIONS.reuseCluster,
      ...(platform.context === undefined ? {} : { context: platform.context }),
      ...(platform.allowContext === undefined ? {} : { allowContext: platform.allowContext }),
      ...(platform.chartVersion === undefined ? {} : { chartVersion: platform.chartVersion }),
    };
    this.#run = platform.run ?? execaRunner;
    this.#kind = new KindCli(this.#run);
  }

  get options(): KindOptions {
    return this.#options;
  }

  /** Names everything missing in one line: docker (a running engine), kind, kubectl, and helm for the chart. */
  async preflight(): Promise<void> {
    assertContextAllowed(this.#options);
    const tools = ['docker', 'kind', 'kubectl', ...(this.#options.installer === 'helm' ? ['helm'] : [])];
    const missing: string[] = [];
    for (const tool of tools) {
      const found = await this.#run('sh', ['-c', `command -v ${tool}`], { timeoutMs: 10_000 });
      if (found.exitCode !== 0) {
        missing.push(`${tool} (not on PATH)`);
      } else if (tool === 'docker') {
        const info = await this.#run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
        if (info.exitCode !== 0) missing.push('a running Docker engine (`docker info` failed)');
      }
    }
    if (missing.length > 0) throw new EnvironmentError(`kind platform: missing ${missing.join(', ')}`);
  }

  async provision(spec: ClusterSpec, context: ProvisionContext): Promise<KindCluster> {
    this.#keep ||= context.keep;
    const log = context.log.child('kind');
    const target = await (this.#target ??= this.#prepareTarget(spec, context));
    const namespace = namespaceFor(spec.runId);
    const kube = new KubeObjects(target.kubeConfig, namespace, `${RUN_LABEL}=${spec.runId}`);
    const kubectl = new Kubectl(this.#run, target.context, namespace);
    const release = this.#release(kube, spec, context.signal, target.context, target.exposure);
    const forwards = target.exposure === 'port-forward' ? new PortForwards({ context: target.context, namespace, podName: (i) => release.podName(i), log }) : undefined;
    const cluster = new KindCluster({
      spec,
      release,
      kube,
      kubectl,
      amqpHostPorts: target.hostPorts.slice(0, spec.nodes),
      ...(this.platform.simulated ? { simulated: true } : {}),
      log,
      redactor: this.platform.redactor,
      signal: context.signal,
      ...(context.onPodChange ? { onPodChange: context.onPodChange } : {}),
      ...(this.platform.pollIntervalMs === undefined ? {} : { pollIntervalMs: this.platform.pollIntervalMs }),
      ...(forwards ? { onTeardown: () => forwards.stop() } : {}),
      ...(target.created || this.#options.reuseCluster ? { restartKubernetes: () => this.#restartKubernetes(target, kube, context), nodeContainers: new NodeContainers(this.#run) } : {}),
    });
    try {
      log.info(`namespace ${namespace} on ${target.context}; installer ${release.installer}; image ${this.#options.image}`);
      await kube.createNamespace(namespaceObject(spec.runId, namespace));
      await release.install(cluster.template, 'Parallel');
      forwards?.start(target.hostPorts.slice(0, spec.nodes));
      cluster.startWatching();
      await waitFor('every pod ready after install', async () => cluster.status().every((pod) => pod.phase === 'ready'), {
        timeoutMs: this.platform.readyTimeoutMs ?? 600_000,
        intervalMs: this.platform.pollIntervalMs ?? 1_000,
        signal: context.signal,
      });
      if (spec.startPolicy !== 'Parallel') await release.recreateWithPolicy(cluster.template, spec.startPolicy);
      return cluster;
    } catch (error) {
      await this.#exportLogs(spec.runId, log);
      await cluster.teardown({ keep: false }).catch((undo) => log.warn(`teardown after failed provision: ${errorMessage(undo)}`));
      throw error;
    }
  }

  /** After the last drill: the run's kind cluster goes, unless it is reused or kept. */
  async close(): Promise<void> {
    const target = await this.#target?.catch(() => undefined);
    if (target?.created && !this.#keep && !this.#options.reuseCluster) await this.#kind.deleteCluster(target.created);
  }

  #release(kube: KubeObjects, spec: ClusterSpec, signal: AbortSignal, context: string, exposure: Exposure): Release {
    if (this.#options.installer === 'manifests') return new ManifestsRelease(kube, spec, this.#options.image, signal, exposure);
    const chart = { chartVersion: this.#options.chartVersion ?? DEFAULT_CHART_VERSION, image: parseImageReference(this.#options.image) };
    return new HelmRelease(new HelmCli(this.#run, context), kube, spec, chart, signal, exposure);
  }

  async #prepareTarget(spec: ClusterSpec, context: ProvisionContext): Promise<KindTarget> {
    if (this.#options.context) {
      // A cluster warren did not create, explicitly allowed: nothing is created or deleted there but the run's
      // namespaces, and pods are reached through port-forwards instead of fixed NodePorts.
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      if (!kubeConfig.getContexts().some((candidate) => candidate.name === this.#options.context)) {
        throw new EnvironmentError(`kind platform: no kube context "${this.#options.context}" in the kubeconfig`);
      }
      kubeConfig.setCurrentContext(this.#options.context);
      return { kubeConfig, context: this.#options.context, hostPorts: (await this.#hostPorts(1 + spec.nodes)).slice(1), exposure: 'port-forward' };
    }
    const name = this.#options.reuseCluster ? WARREN_CLUSTER_PREFIX : `${WARREN_CLUSTER_PREFIX}-${(this.platform.runId ?? spec.runId.split('-')[0]!).toLowerCase()}`;
    const existing = await this.#kind.clusters();
    let hostPorts: number[];
    let created: string | undefined;
    if (existing.includes(name)) {
      if (!this.#options.reuseCluster) throw new EnvironmentError(`kind platform: a cluster named ${name} exists already; remove it with: kind delete cluster --name ${name}`);
      hostPorts = await this.#mappedHostPorts(name);
    } else {
      const ports = await this.#hostPorts(1 + spec.nodes);
      hostPorts = ports.slice(1);
      const mappings = new Map<number, number>([[SEED_AMQP_NODE_PORT, ports[0]!], ...hostPorts.map((port, i) => [NODE_PORT_BASE + i, port] as [number, number])]);
      const base = await readFile(this.platform.kindConfigPath ?? resolve('kind-config.yaml'), 'utf8');
      const dir = await mkdtemp(join(tmpdir(), `warren-kind-${name}-`));
      const configPath = join(dir, 'kind-config.yaml');
      await writeFile(configPath, renderKindConfig(base, { name, hostPorts: mappings, workers: spec.nodes }));
      context.log.info(`creating kind cluster ${name} (${spec.nodes} workers); AMQP per pod on 127.0.0.1:${hostPorts.join(', ')}`);
      try {
        await this.#kind.createCluster({ name, configPath, signal: context.signal });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      created = name;
    }
    if (await this.#imageIsLocal()) {
      const platform = dockerPlatformFor(this.platform.hostArch ?? process.arch);
      await this.#kind.loadImage(this.#options.image, name, { platform, signal: context.signal });
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(await this.#kind.kubeconfig(name));
    kubeConfig.setCurrentContext(kindContext(name));
    return { kubeConfig, context: kindContext(name), hostPorts, exposure: 'node-ports', ...(created ? { created } : {}) };
  }

  /** `count` free 127.0.0.1 ports in a row (the seed's, then one per pod); simulated: the NodePorts themselves. */
  async #hostPorts(count: number): Promise<number[]> {
    if (this.platform.simulated) return Array.from({ length: count }, (_, i) => (i === 0 ? SEED_AMQP_NODE_PORT : NODE_PORT_BASE + i - 1));
    return findFreePortBlock(count);
  }

  /**
   * `docker stop` every node container of warren's kind cluster, then `docker start` them: a full Kubernetes restart,
   * with the nodes' disks (the PVCs) kept. Returns once Kubernetes is back, not merely its API: every kubelet's lease
   * renewed since the start and its node Ready, and every CoreDNS container started since then and ready (the pods
   * find their peers through headless-Service DNS). Throws EnvironmentError if docker fails, TimeoutError after 5 min per wait.
   */
  async #restartKubernetes(target: KindTarget, kube: KubeObjects, context: ProvisionContext): Promise<void> {
    const name = target.context.replace(/^kind-/, '');
    const nodes = await this.#kind.nodes(name);
    context.log.info(`restarting Kubernetes: docker stop/start ${nodes.join(', ')}`);
    let startedAt = 0;
    for (const verb of ['stop', 'start'] as const) {
      if (verb === 'start') startedAt = Date.now();
      const result = await this.#run('docker', [verb, ...nodes], { timeoutMs: 300_000, signal: context.signal });
      if (result.exitCode !== 0) throw new EnvironmentError(`kind platform: docker ${verb} of the kind nodes failed: ${result.stderr.trim().split('\n')[0]}`);
    }
    const wait = { timeoutMs: 300_000, intervalMs: this.platform.pollIntervalMs ?? 2_000, signal: context.signal };
    const answers = <T>(read: () => Promise<T>, ok: (value: T) => boolean) => async () => read().then(ok, () => false);
    const since = (time: Date | string | undefined) => time !== undefined && new Date(time).getTime() >= startedAt;
    await waitFor('the Kubernetes API back after the restart', answers(() => kube.listPods(), () => true), wait);
    // The Node objects still say Ready from before the stop (the node monitor waits ~40 s before it marks them):
    // each kubelet is back once its lease has been renewed since the start, and its node says Ready.
    const kubelets = async () => {
      const [nodes, leases] = await Promise.all([kube.listNodes(), kube.listNodeLeases()]);
      return nodes.length > 0 && nodes.every((node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && since(leases.find((lease) => lease.metadata?.name === node.metadata?.name)?.spec?.renewTime));
    };
    await waitFor('every kubelet back and its node Ready after the restart', () => kubelets().catch(() => false), wait);
    // CoreDNS's processes died with their node: ready again means containers started since then, and ready.
    const dnsBack = (pods: V1Pod[]) => pods.length > 0 && pods.every((pod) => (pod.status?.containerStatuses ?? []).length > 0 && (pod.status?.containerStatuses ?? []).every((c) => c.ready && since(c.state?.running?.startedAt)));
    await waitFor('CoreDNS serving again after the restart', answers(() => kube.listCoreDnsPods(), dnsBack), wait);
  }

  /** A reused cluster keeps the host ports it was created with: read them back from its control-plane container. */
  async #mappedHostPorts(name: string): Promise<number[]> {
    const result = await this.#run('docker', ['port', `${name}-control-plane`]);
    const ports: number[] = [];
    for (const line of result.stdout.split('\n')) {
      const match = /^(\d+)\/tcp -> 127\.0\.0\.1:(\d+)/.exec(line.trim());
      if (match && Number(match[1]) >= NODE_PORT_BASE) ports[Number(match[1]) - NODE_PORT_BASE] = Number(match[2]);
    }
    if (ports.length === 0) throw new EnvironmentError(`kind platform: cluster ${name} maps no AMQP NodePorts to 127.0.0.1; recreate it`);
    return ports;
  }

  /** An image already in the local Docker engine is loaded into kind (no registry needed); otherwise kind pulls it. */
  async #imageIsLocal(): Promise<boolean> {
    return (await this.#run('docker', ['image', 'inspect', this.#options.image], { timeoutMs: 30_000 })).exitCode === 0;
  }

  async #exportLogs(runId: string, log: ProvisionContext['log']): Promise<void> {
    const target = await this.#target?.catch(() => undefined);
    const name = target?.context.replace(/^kind-/, '');
    if (!name) return;
    const dir = join(tmpdir(), `warren-kind-logs-${runId}`);
    await this.#kind.exportLogs(name, dir).then(
      () => log.warn(`provision failed; kind logs in ${dir}`),
      (error) => log.warn(`kind export logs failed: ${errorMessage(error)}`),
    );
  }
}

/** A DNS-1123 label from the drill's run id: `warren-<run>-<method>`, at most 63 characters. */
export function namespaceFor(runId: string): string {
  return `warren-${runId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}

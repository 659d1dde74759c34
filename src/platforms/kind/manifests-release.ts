import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { waitFor } from '../../common/wait.js';
import { FORCE_BOOT_ENV, forceBootIn as forceBootInCommand } from '../force-boot-command.js';
import type { ClusterSpec, StartPolicy, UninstallTermination } from '../../core/platform.js';
import type { KubeObjects } from './kube-objects.js';
import { containerScript, mnesiaDir, nodeName, podName, rabbitMqObjects } from './manifests.js';
import { exposed, type Exposure } from './exposure.js';
import type { Release, ReleaseTemplate } from './release.js';


/**
 * RabbitMQ from warren's own manifests (fixtures/kind/rabbitmq.yaml), applied through the Kubernetes API.
 * The chart's force boot has an equivalent here: env RABBITMQ_FORCE_BOOT=yes, which the container script
 * honours as the Bitnami entrypoint does; the StatefulSet edit is a `rabbitmqctl force_boot` in the command.
 */
export class ManifestsRelease implements Release {
  readonly installer = 'manifests' as const;
  readonly statefulSetName = 'rabbitmq';
  readonly container = 'rabbitmq';

  constructor(
    private readonly kube: KubeObjects,
    private readonly spec: ClusterSpec,
    private readonly image: string,
    private readonly signal: AbortSignal,
    private readonly exposure: Exposure = 'node-ports',
  ) {}

  mnesiaDir(ordinal: number): string {
    return mnesiaDir(ordinal, this.kube.namespace);
  }

  podName(ordinal: number): string {
    return podName(ordinal);
  }

  nodeName(ordinal: number): string {
    return nodeName(ordinal, this.kube.namespace);
  }

  async install(template: ReleaseTemplate, policy: StartPolicy): Promise<void> {
    const objects = this.#render(template, policy);
    await this.kube.createSecret(objects.secret);
    await this.kube.createConfigMap(objects.configMap);
    for (const service of [objects.headlessService, objects.amqpService, ...objects.podServices]) await this.kube.createService(service, { signal: this.signal });
    await this.kube.createStatefulSet(objects.statefulSet);
  }

  async upgrade(template: ReleaseTemplate): Promise<void> {
    const current = await this.kube.readStatefulSet(this.statefulSetName);
    const objects = this.#render(template, current.spec?.podManagementPolicy === 'Parallel' ? 'Parallel' : 'OrderedReady');
    await this.kube.replaceSecret(objects.secret);
    // A merge patch replaces the template's arrays whole: exactly the rendered template, nothing stale left.
    await this.kube.patchStatefulSet(this.statefulSetName, { spec: { template: objects.statefulSet.spec!.template } });
  }

  async uninstall(termination: UninstallTermination): Promise<void> {
    if (termination === 'scale-down') {
      await this.kube.scaleStatefulSet(this.statefulSetName, 0);
      await this.#podsGone();
    }
    await this.kube.deleteStatefulSet(this.statefulSetName, 'Background');
    const objects = this.#render(undefined, 'OrderedReady');
    for (const service of [objects.headlessService, objects.amqpService, ...objects.podServices]) await this.kube.deleteService(service.metadata!.name!);
    await this.kube.deleteConfigMap(objects.configMap.metadata!.name!);
    await this.kube.deleteSecret(objects.secret.metadata!.name!);
    await this.#podsGone();
  }

  async recreateWithPolicy(template: ReleaseTemplate, policy: StartPolicy): Promise<void> {
    await this.kube.deleteStatefulSetOrphaningPods(this.statefulSetName, this.signal);
    await this.kube.createStatefulSet(this.#render(template, policy).statefulSet);
  }

  async appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }> {
    return forceBootIn(await this.kube.readStatefulSet(this.statefulSetName), this.container);
  }

  #render(template: ReleaseTemplate | undefined, policy: StartPolicy) {
    const objects = rabbitMqObjects({
      runId: this.spec.runId,
      namespace: this.kube.namespace,
      replicas: this.spec.nodes,
      startPolicy: policy,
      image: this.image,
      credentials: template?.credentials ?? this.spec.credentials,
      tableWait: this.spec.tableWait,
      terminationGracePeriodSeconds: this.spec.terminationGracePeriodSeconds,
      ...(this.spec.livenessProbe === undefined ? {} : { livenessProbe: this.spec.livenessProbe }),
      forceBoot: template?.forceBoot.enabled === true && template.forceBoot.via === 'statefulset-command',
      templateRevision: template?.revision ?? 1,
    });
    objects.amqpService = exposed([objects.amqpService], this.exposure)[0]!;
    objects.podServices = exposed(objects.podServices, this.exposure);
    if (template?.forceBoot.enabled && template.forceBoot.via === 'chart-values') {
      const container = rabbitMqContainer(objects.statefulSet, this.container);
      container.env = [...(container.env ?? []), { name: FORCE_BOOT_ENV, value: 'yes' }];
    }
    return objects;
  }

  async #podsGone(): Promise<void> {
    await waitFor('every pod of the release gone', async () => (await this.kube.listPods()).length === 0, { timeoutMs: 300_000, intervalMs: 1_000, signal: this.signal });
  }
}

export function rabbitMqContainer(statefulSet: V1StatefulSet, name: string): V1Container {
  const container = statefulSet.spec?.template.spec?.containers.find((candidate) => candidate.name === name);
  if (!container) throw new Error(`StatefulSet ${statefulSet.metadata?.name} has no container ${name}`);
  return container;
}

/** What the applied StatefulSet really does at start: the chart-style env, a force_boot in the command, or neither. */
export function forceBootIn(statefulSet: V1StatefulSet, containerName: string): { chartValue: boolean; command: boolean } {
  const container = rabbitMqContainer(statefulSet, containerName);
  const env = Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value]));
  return forceBootInCommand([...(container.command ?? []), ...(container.args ?? [])], env);
}

export { containerScript };

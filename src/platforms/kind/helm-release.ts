import { waitFor } from '../../common/wait.js';
import { forceBootLine } from '../force-boot-command.js';
import type { ClusterSpec, StartPolicy, UninstallTermination } from '../../core/platform.js';
import type { HelmCli, HelmValues } from './helm-cli.js';
import type { KubeObjects } from './kube-objects.js';
import { forceBootIn, rabbitMqContainer } from './manifests-release.js';
import { rabbitMqObjects, REVISION_ANNOTATION, RUN_LABEL } from './manifests.js';
import { exposed, type Exposure } from './exposure.js';
import type { ImageReference } from './image-reference.js';
import type { Release, ReleaseTemplate } from './release.js';

/** The Bitnami chart names everything after a release called `rabbitmq`: pods rabbitmq-N, rabbitmq-headless. */
export const RELEASE = 'rabbitmq';

/**
 * The image the helm installer runs unless told (--image): Bitnami's RabbitMQ 3.13.7 (Mnesia, the same release
 * as the manifests' default), from docker.io/bitnamilegacy. Since 2025-08-28 Bitnami's versioned images are gone
 * from docker.io/bitnami and frozen in docker.io/bitnamilegacy (bitnami/containers#83267); this tag is the image of
 * chart 14.7.0 (bitnami/charts bitnami/rabbitmq Chart.yaml at 3b9cfe99e2, 2024-09-12, the last chart of 3.13).
 */
export const DEFAULT_HELM_IMAGE = 'bitnamilegacy/rabbitmq:3.13.7-debian-12-r2';

/**
 * The chart version installed unless told (--chart-version): 14.7.0, the chart DEFAULT_HELM_IMAGE was released
 * with, so its templates and the image's /opt/bitnami scripts agree. Unpinned, helm takes the newest chart, whose
 * own image no longer exists (see DEFAULT_HELM_IMAGE).
 */
export const DEFAULT_CHART_VERSION = '14.7.0';
const BITNAMI_RUN = '/opt/bitnami/scripts/rabbitmq/entrypoint.sh /opt/bitnami/scripts/rabbitmq/run.sh';

/**
 * Where the chart mounts the data volume: warren sends it as `persistence.mountPath`, so the data directory is
 * warren's decision and not a guess at the chart's default. The value is that default in the pinned chart 14.7.0
 * (bitnami/charts bitnami/rabbitmq/values.yaml at 3b9cfe99e2, line 967) and in 16.0.14 (values.yaml at 8e28a24a5d,
 * line 1000), where it has been since chart 12.14.0 (bitnami/charts#23745, readOnlyRootFilesystem; before that
 * `/bitnami/rabbitmq/mnesia`). It sits under the chart's emptyDir for the Erlang cookie,
 * `/opt/bitnami/rabbitmq/.rabbitmq/` (templates/statefulset.yaml at 3b9cfe99e2: the emptyDir at lines 363-365, the data volume at 372-376).
 */
export const CHART_DATA_MOUNT_PATH = '/opt/bitnami/rabbitmq/.rabbitmq/mnesia';

/**
 * RabbitMQ from the Bitnami chart via the helm CLI, with the field notes' values (replicas, cookie, password,
 * persistence). Force boot through the chart is `clustering.forceBoot` (chart ≥ 7; the old `forceBoot.enabled`
 * is accepted and ignored): what the chart rendered is read back from the StatefulSet, never assumed.
 *
 * The image is always given to the chart (`image.registry/repository/tag`, and `image.digest` when pinned), with
 * `global.security.allowInsecureImages: true`: charts from 15.2.0 on refuse any image but the one they were
 * released with unless it is set (bitnami/charts#30940, #30850; a common library from bitnami/charts#35751 on only
 * warns for bitnamilegacy), and that image is gone from docker.io/bitnami. Older charts ignore the value. The chart's only other image, os-shell, runs only with `volumePermissions.enabled`,
 * which warren leaves at the chart's default (false).
 */
export class HelmRelease implements Release {
  readonly installer = 'helm' as const;
  readonly statefulSetName = RELEASE;
  readonly container = 'rabbitmq';

  constructor(
    private readonly helm: HelmCli,
    private readonly kube: KubeObjects,
    private readonly spec: ClusterSpec,
    private readonly options: { chartVersion: string; image: ImageReference },
    private readonly signal: AbortSignal,
    private readonly exposure: Exposure = 'node-ports',
  ) {}

  /**
   * `<persistence.mountPath>/<node name>`: the chart renders `RABBITMQ_MNESIA_DIR` as
   * `{{ .Values.persistence.mountPath }}/$(RABBITMQ_NODE_NAME)` (bitnami/charts bitnami/rabbitmq
   * templates/statefulset.yaml at 3b9cfe99e2 = chart 14.7.0, lines 225-226; at 8e28a24a5d = 16.0.14, lines 227-228;
   * the same since chart 7.5.5, bitnami/charts#3139), and RABBITMQ_NODE_NAME as `rabbit@$(MY_POD_NAME).<release>-headless.
   * $(MY_POD_NAMESPACE).svc.<clusterDomain>` (statefulset.yaml lines 218-223, with the defaults
   * `clustering.addressType: hostname` and `clusterDomain: cluster.local`, values.yaml lines 278 and 83), which is
   * nodeName(). warren sends the mount path itself (CHART_DATA_MOUNT_PATH), so this is the directory RabbitMQ reads.
   */
  mnesiaDir(ordinal: number): string {
    return `${CHART_DATA_MOUNT_PATH}/${this.nodeName(ordinal)}`;
  }

  podName(ordinal: number): string {
    return `${RELEASE}-${ordinal}`;
  }

  nodeName(ordinal: number): string {
    return `rabbit@${this.podName(ordinal)}.${RELEASE}-headless.${this.kube.namespace}.svc.cluster.local`;
  }

  async install(template: ReleaseTemplate, policy: StartPolicy): Promise<void> {
    await this.helm.install(RELEASE, { namespace: this.kube.namespace, values: this.#values(template, policy), ...this.#version() });
    // The chart has no Service per pod; warren's checks put/get through EVERY node, so it adds its own.
    for (const service of this.#podServices()) await this.kube.createService(service, { signal: this.signal });
    if (template.forceBoot.enabled && template.forceBoot.via === 'statefulset-command') await this.#patchCommand(true);
  }

  async upgrade(template: ReleaseTemplate): Promise<void> {
    const current = await this.kube.readStatefulSet(this.statefulSetName);
    const policy = current.spec?.podManagementPolicy === 'Parallel' ? 'Parallel' : 'OrderedReady';
    await this.helm.upgrade(RELEASE, { namespace: this.kube.namespace, values: this.#values(template, policy), reuseValues: true, ...this.#version() });
    // The StatefulSet edit is not a chart value: it is a patch on top of what helm rendered.
    await this.#patchCommand(template.forceBoot.enabled && template.forceBoot.via === 'statefulset-command');
  }

  async uninstall(termination: UninstallTermination): Promise<void> {
    if (termination === 'scale-down') {
      await this.kube.scaleStatefulSet(this.statefulSetName, 0);
      await this.#podsGone();
    }
    await this.helm.uninstall(RELEASE, this.kube.namespace);
    for (const service of this.#podServices()) await this.kube.deleteService(service.metadata!.name!);
    await this.#podsGone();
  }

  async recreateWithPolicy(template: ReleaseTemplate, policy: StartPolicy): Promise<void> {
    await this.kube.deleteStatefulSetOrphaningPods(this.statefulSetName, this.signal);
    await this.helm.upgrade(RELEASE, { namespace: this.kube.namespace, values: this.#values(template, policy), reuseValues: true, ...this.#version() });
  }

  async appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }> {
    return forceBootIn(await this.kube.readStatefulSet(this.statefulSetName), this.container);
  }

  #values(template: ReleaseTemplate, policy: StartPolicy): HelmValues {
    const values: HelmValues = {
      replicaCount: this.spec.nodes,
      podManagementPolicy: policy,
      auth: { username: template.credentials.username, password: template.credentials.password, erlangCookie: template.credentials.erlangCookie },
      clustering: { forceBoot: template.forceBoot.enabled && template.forceBoot.via === 'chart-values' },
      // mountPath is sent, not left to the chart's default: mnesiaDir() is derived from it.
      persistence: { enabled: true, size: '1Gi', mountPath: CHART_DATA_MOUNT_PATH },
      commonLabels: { [RUN_LABEL]: this.spec.runId },
      podLabels: { [RUN_LABEL]: this.spec.runId },
      podAnnotations: { [REVISION_ANNOTATION]: String(template.revision) },
      // Unless told (--termination-grace-period), the chart's own: 120 s.
      ...(this.spec.terminationGracePeriodSeconds === undefined ? {} : { terminationGracePeriodSeconds: this.spec.terminationGracePeriodSeconds }),
      extraConfiguration: [
        `mnesia_table_loading_retry_timeout = ${this.spec.tableWait.retryTimeoutMs}`,
        `mnesia_table_loading_retry_limit = ${this.spec.tableWait.retryLimit}`,
      ].join('\n'),
    };
    const { registry, repository, tag, digest } = this.options.image;
    // Without a tag or a digest Docker means `latest`; the chart would put its own pinned tag instead.
    values.image = { registry, repository, ...(tag !== undefined || digest === undefined ? { tag: tag ?? 'latest' } : {}), ...(digest === undefined ? {} : { digest }) };
    values.global = { security: { allowInsecureImages: true } };
    if (this.spec.livenessProbe !== undefined) {
      // The chart's own liveness probe uses the Erlang cookie; this one logs in with the Secret (the chart's env).
      values.livenessProbe = { enabled: false };
      values.customLivenessProbe = {
        exec: { command: ['/bin/sh', '-c', 'rabbitmqctl -q authenticate_user "$RABBITMQ_USERNAME" "$RABBITMQ_PASSWORD"'] },
        initialDelaySeconds: 10,
        periodSeconds: this.spec.livenessProbe.periodSeconds,
        failureThreshold: this.spec.livenessProbe.failureThreshold,
        timeoutSeconds: 20,
      };
    }
    return values;
  }

  #podServices() {
    return exposed(
      rabbitMqObjects({
        runId: this.spec.runId,
        namespace: this.kube.namespace,
        replicas: this.spec.nodes,
        startPolicy: 'OrderedReady',
        image: 'unused',
        credentials: this.spec.credentials,
        tableWait: this.spec.tableWait,
        forceBoot: false,
        templateRevision: 1,
      }).podServices,
      this.exposure,
    );
  }

  #version(): { version: string } {
    return { version: this.options.chartVersion };
  }

  async #patchCommand(forceBoot: boolean): Promise<void> {
    const statefulSet = await this.kube.readStatefulSet(this.statefulSetName);
    const container = rabbitMqContainer(statefulSet, this.container);
    // The same line as every other force_boot warren renders: its marker (exit code, force_load left) is what
    // force-boot-ran reads from the container log (review "kind first run", item 9). No `-e`: a force_boot that
    // fails must not stop the server from starting, as in the field notes' edit.
    const command = forceBoot ? ['/bin/bash', '-c', `${forceBootLine('rabbitmqctl')}; exec ${BITNAMI_RUN}`] : null;
    const hasCommand = (container.command ?? []).length > 0;
    if (!forceBoot && !hasCommand) return;
    await this.kube.patchStatefulSet(this.statefulSetName, { spec: { template: { spec: { containers: [{ ...container, command }] } } } });
  }

  async #podsGone(): Promise<void> {
    await waitFor('every pod of the release gone', async () => (await this.kube.listPods()).length === 0, { timeoutMs: 300_000, intervalMs: 1_000, signal: this.signal });
  }
}

import { stringify } from 'yaml';
import type { CommandResult } from '../command-runner.js';
import { mergePatch, type FakeKubeApi, type KubeDoc } from './fake-kube-api.js';
import type { HelmCall } from './recording-runner.js';

/**
 * Just enough of the Bitnami RabbitMQ chart for contract tests: `helm install/upgrade/uninstall/get manifest`
 * render a Secret, a headless Service and a StatefulSet into the FakeKubeApi from the values on stdin.
 * `forceBootValue` says which key the chart version reads: 'clustering.forceBoot' (chart ≥ 7, rendered as
 * env RABBITMQ_FORCE_BOOT) or 'ignored' (a chart that does not know the key: nothing is rendered for it).
 * `verifiesImages` (default true) is what charts from 15.2.0 on do (bitnami/charts#30940, common
 * `common.errors.insecureImages`): an image other than the chart's own fails the install or upgrade unless
 * `global.security.allowInsecureImages` is true; false is an older chart (14.7.0), which renders any image.
 */
export interface FakeChartOptions {
  forceBootValue?: 'clustering.forceBoot' | 'ignored';
  verifiesImages?: boolean;
}

/** The image the chart was released with (chart 14.7.0's values.yaml), which values.image overrides part by part. */
export const CHART_IMAGE = { registry: 'docker.io', repository: 'bitnami/rabbitmq', tag: '3.13.7-debian-12-r2' };

/**
 * `persistence.mountPath` unless the values say otherwise: chart 14.7.0's default (bitnami/charts
 * bitnami/rabbitmq/values.yaml at 3b9cfe99e2, line 967; the same in 16.0.x, since 12.14.0, bitnami/charts#23745).
 * Written out here, not imported from warren, so a wrong path in warren cannot make the fake agree with it.
 */
export const CHART_DEFAULT_MOUNT_PATH = '/opt/bitnami/rabbitmq/.rabbitmq/mnesia';

export class FakeBitnamiChart {
  /** The release's values as helm stores them (what --reuse-values starts from). */
  readonly releases = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly api: FakeKubeApi,
    private readonly options: FakeChartOptions = {},
  ) {}

  readonly handle = (call: HelmCall): CommandResult | undefined => {
    try {
      return this.#handle(call);
    } catch (error) {
      // What the API server refused (an immutable field, a missing namespace) is helm's error too.
      return { exitCode: 1, stdout: '', stderr: `Error: ${call.subcommand.toUpperCase()} FAILED: ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  #handle(call: HelmCall): CommandResult | undefined {
    const namespace = call.namespace ?? 'default';
    const id = `${namespace}/${call.release}`;
    switch (call.subcommand) {
      case 'install': {
        if (this.releases.has(id)) return { exitCode: 1, stdout: '', stderr: 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use' };
        const values = call.values ?? {};
        const refused = this.#refusedImage(values);
        if (refused) return { exitCode: 1, stdout: '', stderr: `Error: INSTALLATION FAILED: execution error at (rabbitmq/templates/NOTES.txt): ${refused}` };
        this.releases.set(id, values);
        for (const [resource, doc] of this.render(call.release, namespace, values)) this.api.apply(resource, namespace, doc);
        return { exitCode: 0, stdout: `NAME: ${call.release}\nSTATUS: deployed\n`, stderr: '' };
      }
      case 'upgrade': {
        const previous = this.releases.get(id);
        if (!previous) return { exitCode: 1, stdout: '', stderr: `Error: UPGRADE FAILED: "${call.release}" has no deployed releases` };
        const reuse = call.args.includes('--reuse-values');
        const values = (reuse ? mergePatch(structuredClone(previous), call.values ?? {}) : (call.values ?? {})) as Record<string, unknown>;
        const refused = this.#refusedImage(values);
        if (refused) return { exitCode: 1, stdout: '', stderr: `Error: UPGRADE FAILED: execution error at (rabbitmq/templates/NOTES.txt): ${refused}` };
        this.releases.set(id, values);
        for (const [resource, doc] of this.render(call.release, namespace, values)) this.api.apply(resource, namespace, resource === 'statefulsets' ? this.#keepLiveEdits(namespace, doc) : doc);
        return { exitCode: 0, stdout: `Release "${call.release}" has been upgraded.\n`, stderr: '' };
      }
      case 'uninstall': {
        if (!this.releases.delete(id)) return { exitCode: 1, stdout: '', stderr: `Error: uninstall: Release not loaded: ${call.release}: release: not found` };
        for (const [resource, doc] of this.render(call.release, namespace, {})) this.api.remove(resource, namespace, doc.metadata.name, 'Background');
        return { exitCode: 0, stdout: `release "${call.release}" uninstalled\n`, stderr: '' };
      }
      case 'get manifest': {
        const values = this.releases.get(id);
        if (!values) return { exitCode: 1, stdout: '', stderr: 'Error: release: not found' };
        return { exitCode: 0, stdout: this.render(call.release, namespace, values).map(([, doc]) => `---\n${stringify(doc)}`).join(''), stderr: '' };
      }
    }
    return undefined;
  }

  /**
   * Helm 3 upgrades with a three-way merge (old manifest, new manifest, live object): a field the chart does not
   * render but someone set on the live object (`kubectl edit`: a container command) is kept.
   */
  #keepLiveEdits(namespace: string, rendered: KubeDoc): KubeDoc {
    const live = this.api.get('statefulsets', namespace, rendered.metadata.name);
    if (!live) return rendered;
    for (const container of rendered.spec.template.spec.containers as KubeDoc[]) {
      const edited = ((live.spec.template.spec?.containers ?? []) as KubeDoc[]).find((candidate) => candidate.name === container.name);
      for (const field of ['command', 'args']) if (container[field] === undefined && edited?.[field] !== undefined) container[field] = edited[field];
    }
    return rendered;
  }

  /** The container image the chart renders from values.image (bitnami/charts common `common.images.image`). */
  image(values: Record<string, unknown>): string {
    const image = { ...CHART_IMAGE, ...((values as KubeDoc).image ?? {}) } as KubeDoc;
    return `${image.registry}/${image.repository}${image.digest ? `@${image.digest}` : `:${image.tag}`}`;
  }

  /** The chart's refusal of a replaced image, first line (common `common.errors.insecureImages`), or undefined. */
  #refusedImage(values: Record<string, unknown>): string | undefined {
    if (this.options.verifiesImages === false) return undefined;
    const image = { ...CHART_IMAGE, ...((values as KubeDoc).image ?? {}) } as KubeDoc;
    const replaced = image.registry !== CHART_IMAGE.registry || image.repository !== CHART_IMAGE.repository;
    if (!replaced || (values as KubeDoc).global?.security?.allowInsecureImages === true) return undefined;
    return `⚠ ERROR: Original containers have been substituted for unrecognized ones. Unrecognized images: ${image.registry}/${image.repository}:${image.tag}. If you are sure you want to proceed with non-standard containers, you can skip container image verification by setting the global parameter 'global.security.allowInsecureImages' to true.`;
  }

  render(release: string, namespace: string, values: Record<string, unknown>): [resource: 'secrets' | 'services' | 'statefulsets', doc: KubeDoc][] {
    const v = values as KubeDoc;
    const selector = { 'app.kubernetes.io/name': 'rabbitmq', 'app.kubernetes.io/instance': release };
    const labels = { ...selector, 'app.kubernetes.io/managed-by': 'Helm', ...v.commonLabels };
    // The env and mounts as chart 14.7.0 renders them (templates/statefulset.yaml at 3b9cfe99e2, lines 203-226 and
    // 363-376), in its order; Kubernetes expands the $(…) references (test/support/container-env.ts).
    const mountPath = String(v.persistence?.mountPath ?? CHART_DEFAULT_MOUNT_PATH);
    const env: KubeDoc[] = [
      { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MY_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ];
    if (this.options.forceBootValue !== 'ignored') env.push({ name: 'RABBITMQ_FORCE_BOOT', value: v.clustering?.forceBoot === true ? 'yes' : 'no' });
    env.push(
      { name: 'RABBITMQ_NODE_NAME', value: `rabbit@$(MY_POD_NAME).${release}-headless.$(MY_POD_NAMESPACE).svc.cluster.local` },
      { name: 'RABBITMQ_MNESIA_DIR', value: `${mountPath}/$(RABBITMQ_NODE_NAME)` },
      { name: 'RABBITMQ_USERNAME', value: String(v.auth?.username ?? 'user') },
      { name: 'RABBITMQ_PASSWORD', valueFrom: { secretKeyRef: { name: release, key: 'rabbitmq-password' } } },
    );
    const volumeMounts: KubeDoc[] = [
      // The Erlang cookie's emptyDir; the data volume is mounted below it.
      { name: 'empty-dir', mountPath: '/opt/bitnami/rabbitmq/.rabbitmq/', subPath: 'app-erlang-cookie' },
      { name: 'data', mountPath },
    ];
    const statefulSet: KubeDoc = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: release, namespace, labels },
      spec: {
        serviceName: `${release}-headless`,
        replicas: v.replicaCount ?? 1,
        podManagementPolicy: v.podManagementPolicy ?? 'OrderedReady',
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...v.podLabels }, annotations: { ...v.podAnnotations } },
          spec: { containers: [{ name: 'rabbitmq', image: this.image(values), env, volumeMounts }], volumes: [{ name: 'empty-dir', emptyDir: {} }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: { ...labels } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: v.persistence?.size ?? '8Gi' } } } }],
      },
    };
    return [
      ['secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: release, namespace, labels }, stringData: { 'rabbitmq-password': String(v.auth?.password ?? ''), 'rabbitmq-erlang-cookie': String(v.auth?.erlangCookie ?? '') } }],
      ['services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `${release}-headless`, namespace, labels }, spec: { clusterIP: 'None', selector } }],
      ['statefulsets', statefulSet],
    ];
  }
}

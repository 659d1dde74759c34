import { afterEach, describe, expect, it } from 'vitest';
import { forceBootLine } from '../../../src/platforms/force-boot-command.js';
import { MismatchedCookieFault } from '../../../src/faults/mismatched-cookie-fault.js';
import { BITNAMI_CHART } from '../../../src/platforms/kind/helm-cli.js';
import { DEFAULT_HELM_IMAGE } from '../../../src/platforms/kind/helm-release.js';
import { KindPlatform } from '../../../src/platforms/kind/kind-platform.js';
import { Redactor } from '../../../src/common/secrets.js';
import { ChartForceBootRecovery } from '../../../src/recoveries/chart-force-boot-recovery.js';
import { ForceLoadFileRecovery } from '../../../src/recoveries/force-load-file-recovery.js';
import { StatefulSetForceBootRecovery } from '../../../src/recoveries/statefulset-force-boot-recovery.js';
import { containerEnv } from '../../support/container-env.js';
import type { KubeDoc, PodInfo } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { KindHarness, KUBE_CONTEXT, RUN_LABEL, seesPods, stuckAfterFullShutdown, until, type StuckCluster } from '../../support/kind-harness.js';
import type { HelmCall } from '../../../src/platforms/kind/fake/recording-runner.js';

/**
 * Contract tests of the helm installer: the helm command lines (values on stdin, never in args), what the Bitnami
 * chart (a fake: test/support/fake-bitnami-chart.ts) rendered, and what HelmRelease reads back from the API.
 */

const REVISION = 'warren.dev/template-revision';

let harness: KindHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

function keep<T extends { h: KindHarness }>(value: T): T {
  harness = value.h;
  return value;
}

function container(template: KubeDoc): KubeDoc {
  return (template.spec.containers as KubeDoc[]).find((c) => c.name === 'rabbitmq')!;
}

function hasForceBootEnv(pod: PodInfo): boolean {
  return ((container(pod.template).env ?? []) as KubeDoc[]).some((env) => env.name === 'RABBITMQ_FORCE_BOOT' && env.value === 'yes');
}

function helmCalls(h: KindHarness, from = 0): HelmCall[] {
  return h.runner.helmCalls().slice(from);
}

function noSecretsInCommandLines(s: Pick<StuckCluster, 'h' | 'p'>, ...extra: { password: string; erlangCookie: string }[]): void {
  const secrets = [s.p.spec.credentials, ...extra].flatMap((c) => [c.password, c.erlangCookie]);
  for (const line of s.h.runner.commandLines()) for (const secret of secrets) expect(line).not.toContain(secret);
}

describe('HelmRelease install (provision with --installer helm)', () => {
  it('swaps the chart\'s liveness probe for one that logs in with the Secret only when asked (--liveness-probe login)', async () => {
    const h = (harness = await KindHarness.start({ installer: 'helm' }));
    await h.provision('liveness', { spec: { livenessProbe: { periodSeconds: 5, failureThreshold: 3 } } });
    const [install] = helmCalls(h);
    expect(install!.values).toMatchObject({
      livenessProbe: { enabled: false },
      customLivenessProbe: { exec: { command: ['/bin/sh', '-c', 'rabbitmqctl -q authenticate_user "$RABBITMQ_USERNAME" "$RABBITMQ_PASSWORD"'] }, periodSeconds: 5, failureThreshold: 3 },
    });
    // NodePorts are cluster-wide: the next drill provisions once this one is gone.
    await h.provisioned[0]!.cluster.teardown();
    const plain = await h.provision('plain');
    const second = helmCalls(h).find((call) => call.args[0] === 'install' && call.args.includes(plain.namespace));
    expect(second!.values).not.toHaveProperty('customLivenessProbe');
  });

  it('runs `helm install rabbitmq <chart> … -f -` with the values on stdin, then upgrades to OrderedReady with --reuse-values', async () => {
    const h = (harness = await KindHarness.start({ installer: 'helm' }));
    const p = await h.provision('helm');
    const [install, recreate, ...more] = helmCalls(h);
    expect(more).toEqual([]);
    expect(install!.args).toEqual(['install', 'rabbitmq', 'oci://registry-1.docker.io/bitnamicharts/rabbitmq', '--namespace', p.namespace, '--kube-context', KUBE_CONTEXT, '--version', '14.7.0', '-f', '-']);
    expect(BITNAMI_CHART).toBe('oci://registry-1.docker.io/bitnamicharts/rabbitmq');
    expect(install!.values).toEqual({
      replicaCount: 3,
      podManagementPolicy: 'Parallel',
      auth: { username: 'warren', password: p.spec.credentials.password, erlangCookie: p.spec.credentials.erlangCookie },
      clustering: { forceBoot: false },
      persistence: { enabled: true, size: '1Gi', mountPath: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia' },
      commonLabels: { [RUN_LABEL]: p.spec.runId },
      podLabels: { [RUN_LABEL]: p.spec.runId },
      podAnnotations: { [REVISION]: '1' },
      extraConfiguration: 'mnesia_table_loading_retry_timeout = 3000\nmnesia_table_loading_retry_limit = 2',
      image: { registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', tag: '3.13.7-debian-12-r2' },
      global: { security: { allowInsecureImages: true } },
    });
    // The namespace exists before helm installs into it; then warren adds a NodePort Service per pod (the chart has none).
    const journal = h.journal.filter((line) => !line.startsWith('GET'));
    const core = `/api/v1/namespaces/${p.namespace}`;
    const installAt = journal.findIndex((line) => line.startsWith('$ helm install'));
    expect(journal.slice(journal.indexOf('POST /api/v1/namespaces'), installAt + 4)).toEqual(['POST /api/v1/namespaces', expect.stringMatching(/^\$ helm install /), `POST ${core}/services`, `POST ${core}/services`, `POST ${core}/services`]);
    const podServices = h.api.requests.filter((r) => r.method === 'POST' && r.path === `${core}/services`).map((r) => r.body as KubeDoc);
    expect(podServices.map((service) => [service.metadata.name, service.metadata.labels[RUN_LABEL], service.spec.type, service.spec.selector, service.spec.ports[0].nodePort])).toEqual(
      [0, 1, 2].map((i) => [`rabbitmq-${i}-amqp`, p.spec.runId, 'NodePort', { 'statefulset.kubernetes.io/pod-name': `rabbitmq-${i}` }, 30672 + i]),
    );

    // OrderedReady: the StatefulSet is deleted orphaning its pods, then helm recreates it with the new policy.
    const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets`;
    const deleteAt = journal.indexOf(`DELETE ${sts}/rabbitmq?propagationPolicy=Orphan`);
    expect(deleteAt).toBeGreaterThan(0);
    expect(journal[deleteAt + 1]).toMatch(/^\$ helm upgrade /);
    expect(recreate!.args).toEqual(['upgrade', 'rabbitmq', BITNAMI_CHART, '--namespace', p.namespace, '--kube-context', KUBE_CONTEXT, '--version', '14.7.0', '--reuse-values', '-f', '-']);
    expect(recreate!.values).toMatchObject({ podManagementPolicy: 'OrderedReady', replicaCount: 3, clustering: { forceBoot: false } });
    expect(h.api.get('statefulsets', p.namespace, 'rabbitmq')!.spec.podManagementPolicy).toBe('OrderedReady');
    // The pods were kept through the recreate.
    expect(h.api.podEvents.filter((e) => e.event === 'deleted')).toEqual([]);
    expect(p.cluster.status().map((pod) => pod.phase)).toEqual(['ready', 'ready', 'ready']);

    // The cookie and password went on stdin only.
    noSecretsInCommandLines({ h, p });
    expect(install!.values).toMatchObject({ auth: { password: p.spec.credentials.password } });
    expect(h.runner.calls.find((call) => call.file === 'helm')!.input).toContain(p.spec.credentials.erlangCookie);
    // helm never falls back to the current context.
    for (const call of helmCalls(h)) expect(call.kubeContext).toBe(KUBE_CONTEXT);
    // Negative control: no --set anywhere.
    expect(h.runner.commandLines().some((line) => line.includes('--set'))).toBe(false);
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });
  });

  it('reinstall (MismatchedCookieFault): scales to 0, helm uninstall, helm install with NEW auth values on stdin', async () => {
    const h = (harness = await KindHarness.start({ installer: 'helm' }));
    const p = await h.provision('helm-reinstall');
    const from = helmCalls(h).length;
    const journalFrom = h.journal.length;
    await new MismatchedCookieFault('reinstall').inject(h.context(p));
    const [uninstall, install, ...more] = helmCalls(h, from);
    expect(more).toEqual([]);
    const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets`;
    const core = `/api/v1/namespaces/${p.namespace}`;
    const podServices = ['rabbitmq-0-amqp', 'rabbitmq-1-amqp', 'rabbitmq-2-amqp'];
    const requestsFrom = h.api.requests.findIndex((r) => r.path === `${sts}/rabbitmq/scale` && r.method === 'PATCH');
    expect(h.journal.slice(journalFrom).filter((line) => !line.startsWith('GET') && !line.startsWith(`POST ${core}/services`))).toEqual([
      `PATCH ${sts}/rabbitmq/scale`,
      `$ helm uninstall rabbitmq --namespace ${p.namespace} --kube-context ${KUBE_CONTEXT} --wait`,
      // warren's own per-pod Services (the chart has none) go with the release and come back with it.
      ...podServices.map((name) => `DELETE ${core}/services/${name}`),
      expect.stringMatching(/^\$ helm install rabbitmq /),
    ]);
    // The deleted Services' NodePorts are not free at once (the fake frees them 300 ms later, as kubernetes#89042
    // shows): the first POST is refused with 422 "already allocated" and retried until every Service is back.
    const posts = h.api.requests.slice(requestsFrom).filter((r) => r.method === 'POST' && r.path === `${core}/services`);
    expect(posts.some((r) => r.status === 422)).toBe(true);
    expect(posts.filter((r) => r.status === 200).map((r) => (r.body as KubeDoc).metadata.name)).toEqual(podServices);
    expect(uninstall!.args).toEqual(['uninstall', 'rabbitmq', '--namespace', p.namespace, '--kube-context', KUBE_CONTEXT, '--wait']);
    const auth = (install!.values as KubeDoc).auth;
    expect(auth.password).not.toBe(p.spec.credentials.password);
    expect(auth.erlangCookie).not.toBe(p.spec.credentials.erlangCookie);
    expect(auth).toEqual({ username: 'warren', password: p.cluster.credentials.password, erlangCookie: p.cluster.credentials.erlangCookie });
    expect((install!.values as KubeDoc).podManagementPolicy).toBe('OrderedReady');
    expect((install!.values as KubeDoc).podAnnotations).toEqual({ [REVISION]: '2' });
    noSecretsInCommandLines({ h, p }, p.cluster.credentials);
    // Volumes kept.
    expect(h.api.requests.some((r) => r.path.includes('persistentvolumeclaims') && r.method === 'DELETE')).toBe(false);
  });
});

describe('the image the chart runs (--installer helm)', () => {
  /** The default helm image, spelled out: Bitnami's own 3.13.7, which only docker.io/bitnamilegacy still serves. */
  const HELM_IMAGE = 'bitnamilegacy/rabbitmq:3.13.7-debian-12-r2';
  const LEGACY = `docker.io/${HELM_IMAGE}`;

  /** The RabbitMQ container's image in the StatefulSet the (fake) chart rendered. */
  function podImages(h: KindHarness, namespace: string): string[] {
    return [container(h.api.get('statefulsets', namespace, 'rabbitmq')!.spec.template).image];
  }

  it('by default: Bitnami\'s 3.13.7 from docker.io/bitnamilegacy, allowInsecureImages, chart 14.7.0, on install and on every upgrade', async () => {
    // The fake chart refuses a replaced image without global.security.allowInsecureImages (charts >= 15.2.0).
    const h = (harness = await KindHarness.start({ installer: 'helm' }));
    expect(h.platform.options.image).toBe(HELM_IMAGE);
    expect(DEFAULT_HELM_IMAGE).toBe(HELM_IMAGE);
    const p = await h.provision('default-image');
    const calls = helmCalls(h);
    expect(calls.map((call) => call.subcommand)).toEqual(['install', 'upgrade']);
    for (const call of calls) {
      expect(call.values).toMatchObject({ image: { registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', tag: '3.13.7-debian-12-r2' }, global: { security: { allowInsecureImages: true } } });
      expect(call.args.slice(call.args.indexOf('--version'), call.args.indexOf('--version') + 2)).toEqual(['--version', '14.7.0']);
      // The chart's os-shell init container (volumePermissions) is left off: no other Bitnami image is pulled.
      expect(call.values).not.toHaveProperty('volumePermissions');
    }
    expect(podImages(h, p.namespace)).toEqual([LEGACY]);
    expect(p.cluster.status().map((pod) => pod.phase)).toEqual(['ready', 'ready', 'ready']);
  });

  it('--image and --chart-version reach the chart, split into registry, repository and tag', async () => {
    const image = 'registry.example:5000/team/rabbitmq:4.1.3-debian-12-r1';
    const h = (harness = await KindHarness.start({ installer: 'helm', platform: { image, chartVersion: '16.0.14' } }));
    const p = await h.provision('given-image');
    const [install] = helmCalls(h);
    expect(install!.values).toMatchObject({ image: { registry: 'registry.example:5000', repository: 'team/rabbitmq', tag: '4.1.3-debian-12-r1' }, global: { security: { allowInsecureImages: true } } });
    expect(install!.args).toContain('16.0.14');
    expect(podImages(h, p.namespace)).toEqual([image]);
  });

  it('a digest-pinned image goes in as image.digest (the chart renders @digest, not its own tag)', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const h = (harness = await KindHarness.start({ installer: 'helm', platform: { image: `bitnamilegacy/rabbitmq@${digest}` } }));
    const p = await h.provision('digest');
    const [install] = helmCalls(h);
    expect((install!.values as KubeDoc).image).toEqual({ registry: 'docker.io', repository: 'bitnamilegacy/rabbitmq', digest });
    expect(podImages(h, p.namespace)).toEqual([`docker.io/bitnamilegacy/rabbitmq@${digest}`]);
  });

  it('a default helm image in the local Docker engine is saved and loaded into kind, under the name the chart renders', async () => {
    const h = (harness = await KindHarness.start({ installer: 'helm', runner: { localImages: [HELM_IMAGE] }, platform: { hostArch: 'x64' } }));
    const p = await h.provision('local-helm-image');
    const save = h.runner.calls.find((call) => call.file === 'docker' && call.args[0] === 'save');
    expect(save?.args.at(-1)).toBe(HELM_IMAGE);
    expect(h.runner.commandLines().some((line) => line.startsWith('kind load image-archive '))).toBe(true);
    // Docker names bitnamilegacy/rabbitmq:T docker.io/bitnamilegacy/rabbitmq:T on the nodes: what the pods ask for.
    expect(podImages(h, p.namespace)).toEqual([LEGACY]);
  });

  it('KindPlatform refuses the official rabbitmq image for the chart (TypeError, before anything runs)', () => {
    for (const image of ['rabbitmq:3.13.7-management', 'docker.io/library/rabbitmq:4.1.4-management', 'rabbitmq']) {
      expect(() => new KindPlatform({ redactor: new Redactor(), installer: 'helm', image })).toThrow(TypeError);
    }
    expect(new KindPlatform({ redactor: new Redactor(), installer: 'manifests', image: 'rabbitmq:3.13.7-management' }).options.image).toBe('rabbitmq:3.13.7-management');
    expect(new KindPlatform({ redactor: new Redactor() }).options.image).toBe('rabbitmq:3.13.7-management');
  });
});

describe('ChartForceBootRecovery with the helm installer', () => {
  it('helm upgrade --reuse-values with clustering.forceBoot true, reads the StatefulSet back, deletes the stuck pod', async () => {
    const s = keep(await stuckAfterFullShutdown('helm-chart-force-boot', { installer: 'helm', recovers: hasForceBootEnv }));
    const { h, p, context } = s;
    const from = helmCalls(h).length;
    const journalFrom = h.journal.length;
    const recovery = new ChartForceBootRecovery();
    await recovery.apply(context);

    const [upgrade, ...more] = helmCalls(h, from);
    expect(more).toEqual([]);
    expect(upgrade!.args).toEqual(['upgrade', 'rabbitmq', BITNAMI_CHART, '--namespace', p.namespace, '--kube-context', KUBE_CONTEXT, '--version', '14.7.0', '--reuse-values', '-f', '-']);
    expect((upgrade!.values as KubeDoc).clustering).toEqual({ forceBoot: true });
    expect((upgrade!.values as KubeDoc).podManagementPolicy).toBe('OrderedReady');
    const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets/rabbitmq`;
    const journal = h.journal.slice(journalFrom);
    const upgradeAt = journal.findIndex((line) => line.startsWith('$ helm upgrade'));
    // The upgrade reads the StatefulSet back, then the stuck pod is deleted; no patch of the command. What the
    // chart rendered is read again by the evidence, once the pods are back.
    // The second read waits for the controller to observe the new template (status.observedGeneration).
    expect(journal.slice(upgradeAt + 1)).toEqual([`GET ${sts}`, `GET ${sts}`, `DELETE /api/v1/namespaces/${p.namespace}/pods/rabbitmq-0`]);
    expect(journal.some((line) => line.startsWith('PATCH'))).toBe(false);
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: true, command: false });
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    expect((await recovery.evidence(context))[0]).toEqual({ name: 'force-boot-rendered', ok: true });
    noSecretsInCommandLines(s);
  });

  it('a chart that ignores the value: appliedForceBoot() says chartValue false, and the evidence says so', async () => {
    const s = keep(await stuckAfterFullShutdown('helm-chart-ignored', { installer: 'helm', chart: { forceBootValue: 'ignored' }, recovers: hasForceBootEnv }));
    const { h, p, context } = s;
    const recovery = new ChartForceBootRecovery();
    await recovery.apply(context);
    // helm exited 0 and stored the value…
    expect(h.chart!.releases.get(`${p.namespace}/rabbitmq`)).toMatchObject({ clustering: { forceBoot: true } });
    // …but the StatefulSet has no RABBITMQ_FORCE_BOOT: read back, not assumed.
    const applied = h.api.get('statefulsets', p.namespace, 'rabbitmq')!;
    expect((container(applied.spec.template).env as KubeDoc[]).some((env) => env.name === 'RABBITMQ_FORCE_BOOT')).toBe(false);
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });
    const [rendered] = await recovery.evidence(context);
    expect(rendered).toMatchObject({ name: 'force-boot-rendered', ok: false });
    expect(rendered!.reason).toContain('ignored');
    // The recreated pod is as stuck as before.
    await until('pod 0 recreated and seen', () => seesPods(h, p));
    expect(p.cluster.status()[0]!.phase).toBe('starting');
  });
});

describe('ForceLoadFileRecovery with the helm installer', () => {
  it('writes force_load into the RABBITMQ_MNESIA_DIR the chart rendered for the waiting pod, on its data volume', async () => {
    const written = new Set<string>();
    const s = keep(await stuckAfterFullShutdown('helm-force-load-file', { installer: 'helm', recovers: () => written.size > 0 }));
    const { h, p, context } = s;
    h.runner.exec = (call) => {
      if (call.command[0] === 'sh' && call.command[2] === 'cat > "$1"') written.add(call.pod);
      return undefined;
    };
    // The directory RabbitMQ reads: the chart's env as the kubelet expands it for that pod (pods 1 and 2 are not
    // there yet under OrderedReady: for them, the StatefulSet's template with the pod's name, what they will run).
    const mnesiaDirOf = (pod: KubeDoc) => containerEnv(pod, 'rabbitmq').RABBITMQ_MNESIA_DIR!;
    const sts = h.api.get('statefulsets', p.namespace, 'rabbitmq')!;
    const fromTemplate = (ordinal: number) => ({ metadata: { name: `rabbitmq-${ordinal}`, namespace: p.namespace }, spec: sts.spec.template.spec });
    const pod0 = h.api.get('pods', p.namespace, 'rabbitmq-0')!;
    const dir = mnesiaDirOf(pod0);
    expect(dir).toBe(`/opt/bitnami/rabbitmq/.rabbitmq/mnesia/${p.cluster.nodes[0]!.nodeName}`);
    // …on the data volume (the PVC), not on the container's own filesystem.
    const mounts = container(pod0).volumeMounts as KubeDoc[];
    expect(dir.startsWith(`${mounts.find((mount) => mount.name === 'data')!.mountPath}/`)).toBe(true);
    // Every node's data directory (force_load, definitions-reimport's file, dataFileExists) is the rendered one.
    for (const node of p.cluster.nodes) expect(p.cluster.dataDir(node.ordinal)).toBe(mnesiaDirOf(fromTemplate(node.ordinal)));

    h.api.setPodLog(p.namespace, 'rabbitmq-0', 'Waiting for Mnesia tables for 3000 ms, 1 retries left\n');
    const logReads = () => h.api.requests.filter((r) => r.path.endsWith('/log')).length;
    const readsBefore = logReads();
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 5_000 });
    const applied = recovery.apply(context);
    await until('the baseline log reads', () => logReads() >= readsBefore + 6);
    h.api.setPodLog(p.namespace, 'rabbitmq-0', 'Waiting for Mnesia tables for 3000 ms, 1 retries left\nWaiting for Mnesia tables for 3000 ms, 0 retries left\n');
    await applied;

    const writes = h.runner.execCalls().filter((call) => call.command[0] === 'sh');
    expect(writes.map((call) => [call.pod, call.container, call.command])).toEqual([['rabbitmq-0', 'rabbitmq', ['sh', '-c', 'cat > "$1"', 'sh', `${dir}/force_load`]]]);
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    expect(await recovery.evidence!(context)).toEqual([{ name: 'force-load-consumed', ok: true }]);
    const probes = h.runner.execCalls().filter((call) => call.command[0] === 'test');
    expect(probes.map((call) => [call.pod, call.command])).toEqual([['rabbitmq-0', ['test', '-e', `${dir}/force_load`]]]);
  });
});

describe('StatefulSetForceBootRecovery with the helm installer', () => {
  it('PATCHes a force_boot command over what the chart rendered, and finish() PATCHes it away (command: null)', async () => {
    const runsForceBoot = (pod: PodInfo) => ((container(pod.template).command ?? []) as string[]).some((part) => /^rabbitmqctl force_boot;/.test(part));
    const s = keep(await stuckAfterFullShutdown('helm-sts-force-boot', { installer: 'helm', startPolicy: 'Parallel', recovers: runsForceBoot }));
    const { h, p, context } = s;
    const requestsFrom = h.api.requests.length;
    const recovery = new StatefulSetForceBootRecovery();
    await recovery.apply(context);

    const [upgrade] = helmCalls(h).slice(-1);
    expect((upgrade!.values as KubeDoc).clustering).toEqual({ forceBoot: false });
    const patches = h.api.requests.slice(requestsFrom).filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.contentType).toBe('application/merge-patch+json');
    const patched = container((patches[0]!.body as KubeDoc).spec.template);
    expect(patched.command).toEqual(['/bin/bash', '-c', `${forceBootLine('rabbitmqctl')}; exec /opt/bitnami/scripts/rabbitmq/entrypoint.sh /opt/bitnami/scripts/rabbitmq/run.sh`]);
    // force-boot-ran reads the marker this script prints (the old `bash -ec 'rabbitmqctl force_boot; exec …'` printed
    // none, so the method's evidence always failed on the chart).
    expect((patched.command as string[])[2]).toContain('echo "warren: force_boot exit code $code, force_load $left"');
    // The rest of the chart's container is kept (a merge patch replaces the containers list whole).
    expect(patched.image).toBe('docker.io/bitnamilegacy/rabbitmq:3.13.7-debian-12-r2');
    const rendered = h.chart!.render('rabbitmq', p.namespace, h.chart!.releases.get(`${p.namespace}/rabbitmq`)!).find(([resource]) => resource === 'statefulsets')!;
    expect(patched.env).toEqual(container(rendered[1].spec.template).env);
    const deletes = h.api.requests.slice(requestsFrom).filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-1));
    expect(deletes).toEqual(['rabbitmq-0', 'rabbitmq-1', 'rabbitmq-2']);
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: false, command: true });
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));

    const finishFrom = h.api.requests.length;
    await recovery.finish!(context);
    const off = h.api.requests.slice(finishFrom).filter((r) => r.method === 'PATCH');
    expect(off).toHaveLength(1);
    expect(container((off[0]!.body as KubeDoc).spec.template).command).toBeNull();
    expect(container(h.api.get('statefulsets', p.namespace, 'rabbitmq')!.spec.template).command).toBeUndefined();
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });
  });
});

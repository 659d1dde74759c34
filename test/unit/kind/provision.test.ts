import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../../src/common/errors.js';
import { Redactor } from '../../../src/common/secrets.js';
import { assertContextAllowed } from '../../../src/platforms/kind/context-guard.js';
import { KindPlatform } from '../../../src/platforms/kind/kind-platform.js';
import type { KubeDoc, RecordedRequest } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { CLUSTER_NAME, KIND_CONFIG, KindHarness, RUN_LABEL, summary, type Provisioned } from '../../support/kind-harness.js';
import { RecordingRunner } from '../../../src/platforms/kind/fake/recording-runner.js';

/**
 * Contract tests of the kind platform's provisioning and its safety rules: KindPlatform's real code against a
 * fake Kubernetes API (test/support/fake-kube-api.ts) and a recording command runner. They assert the exact
 * command lines, objects and deletes the platform sends.
 */

let harness: KindHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function start(options: Parameters<typeof KindHarness.start>[0] = {}): Promise<KindHarness> {
  harness = await KindHarness.start(options);
  return harness;
}

function bodies(requests: RecordedRequest[], method: string, pathEnd: string): KubeDoc[] {
  return requests.filter((r) => r.method === method && r.path.endsWith(pathEnd)).map((r) => r.body as KubeDoc);
}

/** Reads and bulk deletes of pods and volumes: the only requests that can reach beyond one object. */
function selectorRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => /\/(pods|persistentvolumeclaims)$/.test(r.path) && (r.method === 'GET' || r.method === 'DELETE'));
}

describe('KindPlatform.provision (manifests installer)', () => {
  let h: KindHarness;
  let provisioned: Provisioned;

  async function provisionOnce(): Promise<void> {
    h = await start();
    provisioned = await h.provision('provision');
  }

  it('creates its own kind cluster with the exact kind command line, from a rendered copy of kind-config.yaml', async () => {
    await provisionOnce();
    const kind = h.runner.calls.filter((call) => call.file === 'kind').map((call) => call.args);
    expect(kind).toEqual([
      ['get', 'clusters'],
      ['create', 'cluster', '--name', CLUSTER_NAME, '--config', expect.stringMatching(new RegExp(`^${join(tmpdir(), 'warren-kind-warren-test-')}[^/]+/kind-config\\.yaml$`)), '--wait', '300s'],
      ['get', 'kubeconfig', '--name', CLUSTER_NAME],
    ]);
    const configPath = kind[1]![5]!;
    expect(configPath).not.toBe(KIND_CONFIG);
    // The rendered copy is removed once kind has read it.
    expect(existsSync(configPath)).toBe(false);
    const [config] = h.runner.kindConfigs;
    expect(config).toMatch(/^name: warren-test$/m);
    expect(config!.match(/- role: worker/g)).toHaveLength(3);
    // The seed port and one port per pod are remapped to the host ports warren found free, on loopback only.
    const hostPorts = provisioned.cluster.nodes.map((node) => node.amqp.port);
    for (const port of hostPorts) expect(config).toContain(`hostPort: ${port}`);
    expect(config).not.toMatch(/hostPort: 30672\b/);
    expect(config).not.toMatch(/listenAddress: (?!127\.0\.0\.1)/);
    // Not local: kind pulls the image itself (no `kind load docker-image`).
    expect(h.runner.calls.some((call) => call.file === 'docker' && call.args.join(' ') === 'image inspect rabbitmq:3.13.7-management')).toBe(true);
    expect(h.runner.commandLines().some((line) => line.startsWith('kind load'))).toBe(false);
    expect(h.runner.commandLines().some((line) => line.startsWith('kind delete'))).toBe(false);
  });

  it('creates the namespace, then Secret, ConfigMap, Services and a Parallel StatefulSet, then recreates it OrderedReady (Orphan)', async () => {
    await provisionOnce();
    const { spec, namespace } = provisioned;
    expect(namespace).toBe('warren-test-provision');
    const ns = `/api/v1/namespaces/${namespace}`;
    const sts = `/apis/apps/v1/namespaces/${namespace}/statefulsets`;
    expect(h.writes().map(summary)).toEqual([
      'POST /api/v1/namespaces',
      `POST ${ns}/secrets`,
      `POST ${ns}/configmaps`,
      `POST ${ns}/services`,
      `POST ${ns}/services`,
      `POST ${ns}/services`,
      `POST ${ns}/services`,
      `POST ${ns}/services`,
      `POST ${sts}`,
      `DELETE ${sts}/rabbitmq?propagationPolicy=Orphan`,
      `POST ${sts}`,
    ]);
    const writes = h.writes();
    expect(writes.every((request) => request.status === 200)).toBe(true);

    const [namespaceObject] = bodies(writes, 'POST', '/api/v1/namespaces');
    expect(namespaceObject!.metadata).toEqual({ name: namespace, labels: { 'app.kubernetes.io/managed-by': 'warren', [RUN_LABEL]: spec.runId } });

    const [secret] = bodies(writes, 'POST', '/secrets');
    expect(secret!.metadata.labels[RUN_LABEL]).toBe(spec.runId);
    expect(secret!.stringData).toEqual({ 'rabbitmq-password': spec.credentials.password, 'rabbitmq-erlang-cookie': spec.credentials.erlangCookie });
    expect(secret!.data).toBeUndefined();

    const [configMap] = bodies(writes, 'POST', '/configmaps');
    expect(configMap!.metadata.labels[RUN_LABEL]).toBe(spec.runId);
    const conf: string = configMap!.data['rabbitmq.conf'];
    expect(conf).toContain('mnesia_table_loading_retry_timeout = 3000');
    expect(conf).toContain('mnesia_table_loading_retry_limit = 2');
    for (const node of provisioned.cluster.nodes) expect(conf).toContain(node.nodeName);
    expect(conf).not.toContain('.default.svc');
    expect(conf).not.toContain(spec.credentials.password);

    const services = bodies(writes, 'POST', '/services');
    expect(services.map((s) => s.metadata.name)).toEqual(['rabbitmq-headless', 'rabbitmq-amqp', 'rabbitmq-0-amqp', 'rabbitmq-1-amqp', 'rabbitmq-2-amqp']);
    for (const service of services) expect(service.metadata.labels[RUN_LABEL], service.metadata.name).toBe(spec.runId);
    expect(services[0]!.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { [RUN_LABEL]: spec.runId } });
    expect(services[1]!.spec.ports[0].nodePort).toBe(30671);
    expect(services.slice(2).map((s) => [s.spec.selector['statefulset.kubernetes.io/pod-name'], s.spec.ports[0].nodePort])).toEqual([
      ['rabbitmq-0', 30672],
      ['rabbitmq-1', 30673],
      ['rabbitmq-2', 30674],
    ]);

    const [installed, recreated] = bodies(writes, 'POST', '/statefulsets');
    expect(installed!.metadata.labels[RUN_LABEL]).toBe(spec.runId);
    expect(installed!.spec.replicas).toBe(3);
    expect(installed!.spec.podManagementPolicy).toBe('Parallel');
    expect(installed!.spec.selector.matchLabels[RUN_LABEL]).toBe(spec.runId);
    expect(installed!.spec.template.metadata.labels[RUN_LABEL]).toBe(spec.runId);
    expect(installed!.spec.template.metadata.annotations['warren.dev/template-revision']).toBe('1');
    expect(installed!.spec.volumeClaimTemplates[0].metadata.labels[RUN_LABEL]).toBe(spec.runId);
    // The recreated StatefulSet is the same object but for the (immutable) podManagementPolicy.
    expect(recreated!.spec.podManagementPolicy).toBe('OrderedReady');
    expect({ ...recreated!, spec: { ...recreated!.spec, podManagementPolicy: 'Parallel' } }).toEqual(installed);

    // Orphan kept the pods: each was created once, none deleted, and the new StatefulSet adopted them.
    expect(h.api.podEvents.map((e) => `${e.event} ${e.name}`).sort()).toEqual(['created rabbitmq-0', 'created rabbitmq-1', 'created rabbitmq-2']);
    const owner = h.api.get('statefulsets', namespace, 'rabbitmq')!.metadata.uid;
    for (const pod of h.api.list('pods', namespace)) expect(pod.metadata.ownerReferences[0].uid).toBe(owner);
    expect(provisioned.cluster.status().map((pod) => pod.phase)).toEqual(['ready', 'ready', 'ready']);
    expect(provisioned.cluster.startPolicy()).toBe('OrderedReady');
  });

  it('filters every list and collection delete by the run label, and never puts a secret on a command line', async () => {
    await provisionOnce();
    // Volumes are listed and deleted by label too: exercise that path before checking.
    await provisioned.cluster.uninstall({ volumes: 'delete', termination: 'at-once' });
    const scoped = selectorRequests(h.api.requests);
    expect(scoped.filter((r) => r.method === 'GET' && r.path.endsWith('/pods')).length).toBeGreaterThan(0);
    expect(scoped.filter((r) => r.method === 'DELETE' && r.path.endsWith('/persistentvolumeclaims'))).toHaveLength(1);
    expect(scoped.filter((r) => r.method === 'GET' && r.path.endsWith('/persistentvolumeclaims')).length).toBeGreaterThan(0);
    for (const request of scoped) expect(request.query.labelSelector, summary(request)).toBe(provisioned.selector);
    // Everything the platform touched is inside the run's namespace (but the namespace itself).
    for (const request of h.api.requests) {
      if (request.path === '/api/v1/namespaces' || request.path === `/api/v1/namespaces/${provisioned.namespace}`) continue;
      expect(request.path, summary(request)).toMatch(new RegExp(`/namespaces/${provisioned.namespace}/`));
    }

    const { password, erlangCookie } = provisioned.spec.credentials;
    expect(h.runner.calls.length).toBeGreaterThan(0);
    for (const line of h.runner.commandLines()) {
      expect(line).not.toContain(password);
      expect(line).not.toContain(erlangCookie);
    }
    // Negative control: the check does see the Secret where it is (the POST body), so it can fail.
    expect(JSON.stringify(h.api.requests.map((r) => r.body))).toContain(password);
  });

  it('teardown deletes the run namespace, returns once it is gone, and touches nothing else in the kind cluster', async () => {
    h = await start();
    const first = await h.provision('first');
    // Something else in the same cluster (a namespace warren did not create for this drill).
    h.api.apply('namespaces', '', { metadata: { name: 'other' } });
    h.api.apply('configmaps', 'other', { metadata: { name: 'keep-me' } });
    const from = h.api.requests.length;
    await first.cluster.teardown();
    await first.cluster.teardown(); // idempotent
    expect(h.writes(from).map(summary)).toEqual([`DELETE /api/v1/namespaces/${first.namespace}`]);
    // Gone, not merely Terminating: its pods terminated first, then its Services (and their NodePorts) went.
    expect(h.api.get('namespaces', '', first.namespace)).toBeUndefined();
    expect(h.api.list('services', first.namespace)).toEqual([]);
    expect(h.api.get('configmaps', 'other', 'keep-me')).toBeDefined();
    // Teardown deletes no kind cluster: that is close()'s job.
    expect(h.runner.commandLines().some((line) => line.startsWith('kind delete'))).toBe(false);
  });

  it('drill after drill in one kind cluster: the next one gets the NodePorts the last one freed', async () => {
    h = await start();
    const first = await h.provision('first');
    await first.cluster.teardown();
    const second = await h.provision('second');
    // One kind cluster for the whole run: created once.
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind create cluster'))).toHaveLength(1);
    expect(h.api.list('services', second.namespace).map((service) => service.spec.ports[0].nodePort).filter(Boolean).sort()).toEqual([30671, 30672, 30673, 30674]);
  });

  it('a drill kept with --keep holds the NodePorts: the next provision fails at once, naming its namespace', async () => {
    h = await start();
    const kept = await h.provision('kept', { keep: true });
    const started = Date.now();
    await expect(h.provision('next')).rejects.toThrow(`kind platform: NodePort 30671 is held by Service rabbitmq-amqp in namespace ${kept.namespace} (a drill kept with --keep?); delete that namespace first`);
    // Not after the 60 s retry: waiting cannot free a port a live Service holds.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('teardown with keep deletes nothing', async () => {
    h = await start();
    const kept = await h.provision('kept', { keep: true });
    const from = h.api.requests.length;
    await kept.cluster.teardown({ keep: true });
    expect(h.writes(from)).toEqual([]);
    expect(h.api.get('namespaces', '', kept.namespace)).toBeDefined();
  });
});

describe('KindPlatform.provision with an image in the local Docker engine', () => {
  const image = 'rabbitmq:3.13.7-management';
  const archiveDir = new RegExp(`^${join(tmpdir(), 'warren-kind-image-')}[^/]+/image\\.tar$`);

  function loadLines(h: KindHarness): string[][] {
    return h.runner.calls.filter((call) => (call.file === 'docker' && call.args[0] === 'save') || (call.file === 'kind' && call.args[0] === 'load')).map((call) => [call.file, ...call.args]);
  }

  it('saves the host platform of the image with `docker save --platform`, loads it with `kind load image-archive` (not `kind load docker-image`: kind#3795), then removes the archive', async () => {
    const h = await start({ runner: { localImages: [image] }, platform: { hostArch: 'x64' } });
    await h.provision('local-image');
    const lines = loadLines(h);
    expect(lines).toEqual([
      ['docker', 'save', '--platform', 'linux/amd64', '-o', expect.stringMatching(archiveDir), image],
      ['kind', 'load', 'image-archive', expect.stringMatching(archiveDir), '--name', CLUSTER_NAME],
    ]);
    const archive = lines[0]![5]!;
    expect(lines[1]![3]).toBe(archive);
    // kind read the file docker wrote; afterwards it is gone.
    expect(h.runner.loadedArchives).toEqual([{ path: archive, existed: true }]);
    expect(existsSync(archive)).toBe(false);
    // Negative control: the multi-arch-breaking load is never used.
    expect(h.runner.commandLines().some((line) => line.startsWith('kind load docker-image'))).toBe(false);
  });

  it('maps an arm64 host to linux/arm64', async () => {
    const h = await start({ runner: { localImages: [image] }, platform: { hostArch: 'arm64' } });
    await h.provision('arm64');
    expect(loadLines(h)[0]!.slice(0, 4)).toEqual(['docker', 'save', '--platform', 'linux/arm64']);
  });

  it.each(['unknown-flag', 'old-daemon'] as const)('falls back to a plain `docker save` when docker cannot save one platform (%s)', async (dockerSavePlatform) => {
    const h = await start({ runner: { localImages: [image], dockerSavePlatform }, platform: { hostArch: 'x64' } });
    await h.provision('old-docker');
    const lines = loadLines(h);
    expect(lines.map((line) => line.filter((arg) => !archiveDir.test(arg)))).toEqual([
      ['docker', 'save', '--platform', 'linux/amd64', '-o', image],
      ['docker', 'save', '-o', image],
      ['kind', 'load', 'image-archive', '--name', CLUSTER_NAME],
    ]);
    expect(h.runner.loadedArchives).toEqual([{ path: lines[1]![3]!, existed: true }]);
    expect(existsSync(lines[1]![3]!)).toBe(false);
  });

  it('removes the archive when `kind load image-archive` fails, and the error names the image and the cluster', async () => {
    const h = await start({ runner: { localImages: [image], kindLoadFails: true }, platform: { hostArch: 'x64' } });
    await expect(h.provision('load-fails')).rejects.toThrow(new RegExp(`^kind: could not load image ${image} into ${CLUSTER_NAME}: ERROR: failed to load image`));
    const [archive] = h.runner.loadedArchives;
    expect(archive!.existed).toBe(true);
    expect(existsSync(archive!.path)).toBe(false);
  });

  it('refuses a host CPU kind has no node image for, before saving anything', async () => {
    const h = await start({ runner: { localImages: [image] }, platform: { hostArch: 'ppc64' } });
    await expect(h.provision('ppc64')).rejects.toThrow(EnvironmentError);
    expect(loadLines(h)).toEqual([]);
  });
});

describe('KindPlatform.close', () => {
  it('deletes exactly the kind cluster it created', async () => {
    const h = await start();
    await h.provision('close');
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind delete'))).toEqual([]);
    await h.platform.close();
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind delete'))).toEqual([`kind delete cluster --name ${CLUSTER_NAME}`]);
  });

  it('deletes nothing when the cluster is reused, and reuses its mapped host ports', async () => {
    const h = await start({
      platform: { reuseCluster: true },
      runner: {
        clusters: ['warren', 'someone-elses'],
        dockerPort: ['30671/tcp -> 127.0.0.1:41000', '30672/tcp -> 127.0.0.1:41001', '30673/tcp -> 127.0.0.1:41002', '30674/tcp -> 127.0.0.1:41003'].join('\n'),
      },
    });
    const { cluster } = await h.provision('reuse');
    expect(h.runner.commandLines()).toContain('docker port warren-control-plane');
    expect(h.runner.commandLines().some((line) => line.startsWith('kind create'))).toBe(false);
    expect(cluster.nodes.map((node) => node.amqp.port)).toEqual([41001, 41002, 41003]);
    await cluster.teardown();
    await h.platform.close();
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind delete'))).toEqual([]);
    expect(h.runner.clusters).toEqual(['warren', 'someone-elses']);
  });

  it('creates `warren` when reuse finds none, and still does not delete it at close', async () => {
    const h = await start({ platform: { reuseCluster: true } });
    await h.provision('reuse-new');
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind create'))).toEqual([expect.stringMatching(/^kind create cluster --name warren --config /)]);
    await h.platform.close();
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind delete'))).toEqual([]);
  });

  it('deletes nothing when a drill was kept', async () => {
    const h = await start();
    await h.provision('keep', { keep: true });
    await h.platform.close();
    expect(h.runner.commandLines().filter((line) => line.startsWith('kind delete'))).toEqual([]);
  });

  it('refuses to provision into an existing cluster of the same name (and deletes it neither then nor at close)', async () => {
    const h = await start({ runner: { clusters: [CLUSTER_NAME] } });
    await expect(h.provision('exists')).rejects.toThrow(EnvironmentError);
    await expect(h.provision('exists')).rejects.toThrow(/a cluster named warren-test exists already/);
    await h.platform.close();
    expect(h.runner.commandLines().filter((line) => /^kind (create|delete)/.test(line))).toEqual([]);
    expect(h.api.requests).toEqual([]);
  });
});

describe('kube context safety', () => {
  it('refuses --context prod without --allow-context prod', () => {
    expect(() => assertContextAllowed({ context: 'prod' })).toThrow(UsageError);
    expect(() => assertContextAllowed({ context: 'prod', allowContext: 'production' })).toThrow(/refusing kube context "prod"/);
    expect(() => assertContextAllowed({ allowContext: 'prod' })).toThrow(UsageError);
    // `kind-warren` is a prefix test on the context, not on a substring: these are someone else's.
    expect(() => assertContextAllowed({ context: 'prod-kind-warren' })).toThrow(UsageError);
    expect(() => assertContextAllowed({ context: 'kind-other' })).toThrow(UsageError);
  });

  it('accepts kind-warren* contexts and an explicitly allowed one', () => {
    expect(() => assertContextAllowed({})).not.toThrow();
    expect(() => assertContextAllowed({ context: 'kind-warren' })).not.toThrow();
    expect(() => assertContextAllowed({ context: 'kind-warren-3f2a' })).not.toThrow();
    expect(() => assertContextAllowed({ context: 'prod', allowContext: 'prod' })).not.toThrow();
  });

  it('KindPlatform.preflight refuses --context prod before running anything', async () => {
    const h = await start();
    const platform = new KindPlatform({ redactor: new Redactor(), run: h.runner.run, context: 'prod' });
    await expect(platform.preflight()).rejects.toThrow(UsageError);
    expect(h.runner.calls).toEqual([]);
  });
});

describe('KindPlatform.preflight', () => {
  async function preflight(options: ConstructorParameters<typeof RecordingRunner>[0] extends infer O ? Partial<O> : never, installer: 'manifests' | 'helm' = 'manifests') {
    const h = await start({ installer, runner: options });
    const result = await h.platform.preflight().then(
      () => undefined,
      (error: unknown) => error,
    );
    return { result, runner: h.runner };
  }

  it('passes when every tool is there, checking docker, its engine, kind and kubectl (not helm for manifests)', async () => {
    const { result, runner } = await preflight({});
    expect(result).toBeUndefined();
    expect(runner.commandLines()).toEqual(['sh -c command -v docker', 'docker info --format {{.ServerVersion}}', 'sh -c command -v kind', 'sh -c command -v kubectl']);
  });

  it('names kind when `command -v kind` fails', async () => {
    const { result } = await preflight({ missingTools: ['kind'] });
    expect(result).toBeInstanceOf(EnvironmentError);
    const message = (result as Error).message;
    expect(message).toContain('kind (not on PATH)');
    expect(message).not.toContain('docker');
    expect(message).not.toContain('kubectl');
  });

  it('names a running Docker engine when `docker info` fails', async () => {
    const { result } = await preflight({ dockerInfoFails: true });
    expect(result).toBeInstanceOf(EnvironmentError);
    const message = (result as Error).message;
    expect(message).toContain('a running Docker engine');
    expect(message).not.toContain('not on PATH');
  });

  it('names everything missing at once, helm included for the chart installer', async () => {
    const { result, runner } = await preflight({ missingTools: ['helm', 'kubectl'], dockerInfoFails: true }, 'helm');
    expect((result as Error).message).toBe('kind platform: missing a running Docker engine (`docker info` failed), kubectl (not on PATH), helm (not on PATH)');
    expect(runner.commandLines()).toContain('sh -c command -v helm');
  });
});

describe('isWarrenContext', () => {
  it('accepts kind-warren and kind-warren-<run>, nothing merely starting with the letters', async () => {
    const { isWarrenContext } = await import('../../../src/platforms/kind/context-guard.js');
    expect(isWarrenContext('kind-warren')).toBe(true);
    expect(isWarrenContext('kind-warren-ab12cd34')).toBe(true);
    expect(isWarrenContext('kind-warrenfoo')).toBe(false);
    expect(isWarrenContext('prod')).toBe(false);
  });
});

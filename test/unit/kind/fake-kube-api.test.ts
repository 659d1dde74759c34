import { ApiException, AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeObjects } from '../../../src/platforms/kind/kube-objects.js';
import { containerEnv } from '../../support/container-env.js';
import { FakeBitnamiChart } from '../../../src/platforms/kind/fake/fake-bitnami-chart.js';
import { FakeKubeApi, matchesSelector, mergePatch } from '../../../src/platforms/kind/fake/fake-kube-api.js';

/** The fake API server the kind contract tests rely on: it must refuse what a real one refuses. */

let api: FakeKubeApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function statefulSet(name: string, replicas: number) {
  return {
    metadata: { name, labels: { run: 'r1' } },
    spec: {
      replicas,
      podManagementPolicy: 'Parallel' as const,
      serviceName: 'svc',
      selector: { matchLabels: { app: name, run: 'r1' } },
      template: { metadata: { labels: { app: name, run: 'r1' } }, spec: { containers: [{ name: 'rabbitmq', image: 'x' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: { run: 'r1' } }, spec: {} }],
    },
  };
}

describe('FakeKubeApi', () => {
  it('refuses a request without the kubeconfig token (401)', async () => {
    api = await FakeKubeApi.start({ token: 'right' });
    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: api.server, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    await expect(new KubeObjects(wrong, 'ns', 'run=r1').listPods()).rejects.toSatisfy((error) => error instanceof ApiException && error.code === 401);
    expect(api.requests.at(-1)!.status).toBe(401);
    // The fake's own kubeconfig carries the right token.
    await expect(new KubeObjects(api.kubeConfig(), 'ns', 'run=r1').listPods()).resolves.toEqual([]);
  });

  it('creates only into an existing namespace, runs pods and PVCs for a StatefulSet, and lists by label', async () => {
    api = await FakeKubeApi.start();
    const kube = new KubeObjects(api.kubeConfig(), 'ns', 'run=r1');
    await expect(kube.createStatefulSet(statefulSet('rabbitmq', 2))).rejects.toSatisfy((error) => error instanceof ApiException && error.code === 404);
    await kube.createNamespace({ metadata: { name: 'ns' } });
    await kube.createStatefulSet(statefulSet('rabbitmq', 2));
    expect((await kube.listPods()).map((pod) => pod.metadata!.name)).toEqual(['rabbitmq-0', 'rabbitmq-1']);
    expect(await kube.listPersistentVolumeClaimNames()).toEqual(['data-rabbitmq-0', 'data-rabbitmq-1']);
    expect(await new KubeObjects(api.kubeConfig(), 'ns', 'run=other').listPods()).toEqual([]);
    await kube.scaleStatefulSet('rabbitmq', 0);
    expect(await kube.listPods()).toEqual([]);
    // Volumes stay on scale-down (Retain) and go on a collection delete by label.
    expect(await kube.listPersistentVolumeClaimNames()).toHaveLength(2);
    await kube.deletePersistentVolumeClaims();
    expect(await kube.listPersistentVolumeClaimNames()).toEqual([]);
  });

  it('serves merge patches only: a JSON patch (the client default) is refused with 415', async () => {
    api = await FakeKubeApi.start();
    const kube = new KubeObjects(api.kubeConfig(), 'ns', 'run=r1');
    await kube.createNamespace({ metadata: { name: 'ns' } });
    await kube.createStatefulSet(statefulSet('rabbitmq', 1));
    const apps = api.kubeConfig().makeApiClient(AppsV1Api);
    await expect(apps.patchNamespacedStatefulSet({ name: 'rabbitmq', namespace: 'ns', body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] })).rejects.toSatisfy(
      (error) => error instanceof ApiException && error.code === 415,
    );
    await apps.patchNamespacedStatefulSet({ name: 'rabbitmq', namespace: 'ns', body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(api.get('statefulsets', 'ns', 'rabbitmq')!.spec.replicas).toBe(2);
    // podManagementPolicy is immutable, as on a real API server.
    await expect(kube.patchStatefulSet('rabbitmq', { spec: { podManagementPolicy: 'OrderedReady' } })).rejects.toSatisfy((error) => error instanceof ApiException && error.code === 422);
  });

  it.each([
    ['OrderedReady', ['1']],
    ['Parallel', ['2', '2', '2']],
  ] as const)('RollingUpdate under %s: unready pods of the old revision, the template changed: pods end on revisions %j', async (policy, revisions) => {
    // Pods of template revision 1 never get ready (a stuck boot), those of revision 2 do.
    api = await FakeKubeApi.start({ readiness: (pod) => pod.template.metadata?.annotations?.rev === '2' });
    const kube = new KubeObjects(api.kubeConfig(), 'ns', 'run=r1');
    await kube.createNamespace({ metadata: { name: 'ns' } });
    const set = statefulSet('rabbitmq', 3);
    set.spec.podManagementPolicy = policy as 'Parallel';
    (set.spec.template.metadata as { annotations?: Record<string, string> }).annotations = { rev: '1' };
    await kube.createStatefulSet(set);
    await kube.patchStatefulSet('rabbitmq', { spec: { template: { metadata: { annotations: { rev: '2' } } } } });
    // Long enough for three replacements with their grace periods (30 s grace: 300 ms here).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const pods = api.list('pods', 'ns').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    // OrderedReady: pod 1 was never created (pod 0 is unready), and pod 0 stays on revision 1 (the docs' "Forced
    // rollback"). Parallel: the rolling loop deletes an outdated pod before it looks at its health, from the top down.
    expect(pods.map((pod) => pod.metadata.annotations.rev)).toEqual(revisions);
  });

  it('folds a Secret’s stringData into base64 data, as the API server does', async () => {
    api = await FakeKubeApi.start();
    const kube = new KubeObjects(api.kubeConfig(), 'ns', 'run=r1');
    await kube.createNamespace({ metadata: { name: 'ns' } });
    await kube.createSecret({ metadata: { name: 's' }, stringData: { key: 'value' } });
    expect(api.get('secrets', 'ns', 's')!.data).toEqual({ key: Buffer.from('value').toString('base64') });
    expect(api.get('secrets', 'ns', 's')!.stringData).toBeUndefined();
  });
});

describe('mergePatch (RFC 7386)', () => {
  it('follows the RFC’s examples', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(mergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'c' }, { a: ['b'] })).toEqual({ a: ['b'] });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(mergePatch({ a: 'b' }, ['c'])).toEqual(['c']);
    expect(mergePatch({ a: 'foo' }, null)).toBeNull();
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(mergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});

describe('matchesSelector', () => {
  it('matches equality-based selectors', () => {
    const labels = { 'warren.dev/run-id': 'r1', app: 'rabbitmq' };
    expect(matchesSelector(labels, 'warren.dev/run-id=r1')).toBe(true);
    expect(matchesSelector(labels, 'warren.dev/run-id==r1,app=rabbitmq')).toBe(true);
    expect(matchesSelector(labels, 'warren.dev/run-id=r2')).toBe(false);
    expect(matchesSelector(labels, 'app!=rabbitmq')).toBe(false);
    expect(matchesSelector(labels, 'app')).toBe(true);
    expect(matchesSelector(labels, '!app')).toBe(false);
    expect(matchesSelector(undefined, 'app=rabbitmq')).toBe(false);
    expect(matchesSelector(labels, undefined)).toBe(true);
  });
});

describe('containerEnv (the kubelet expanding $(VAR) references)', () => {
  it('fills in fieldRefs, expands earlier variables, keeps unknown references and unescapes $$', () => {
    const pod = {
      metadata: { name: 'rabbitmq-1', namespace: 'ns' },
      spec: {
        containers: [{
          name: 'rabbitmq',
          env: [
            { name: 'LATER', value: '$(NODE)' },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NODE', value: 'rabbit@$(POD).$(MISSING)' },
            { name: 'ESCAPED', value: '$$(POD) costs $5' },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          ],
        }],
      },
    };
    expect(containerEnv(pod, 'rabbitmq')).toEqual({ LATER: '$(NODE)', POD: 'rabbitmq-1', NODE: 'rabbit@rabbitmq-1.$(MISSING)', ESCAPED: '$(POD) costs $5' });
  });
});

describe('FakeBitnamiChart rendering of the data directory (chart 14.7.0)', () => {
  async function rendered(values: Record<string, unknown>) {
    const chart = new FakeBitnamiChart((api ??= await FakeKubeApi.start()));
    const sts = chart.render('rabbitmq', 'ns', values).find(([resource]) => resource === 'statefulsets')![1];
    const pod = { metadata: { name: 'rabbitmq-2', namespace: 'ns' }, spec: sts.spec.template.spec };
    const mounts = (sts.spec.template.spec.containers[0].volumeMounts as { name: string; mountPath: string }[]);
    return { env: containerEnv(pod, 'rabbitmq'), dataMount: mounts.find((mount) => mount.name === 'data')!.mountPath };
  }

  it('mounts the data volume at persistence.mountPath (default /opt/bitnami/rabbitmq/.rabbitmq/mnesia) and names <mountPath>/<node> as RABBITMQ_MNESIA_DIR', async () => {
    const node = 'rabbit@rabbitmq-2.rabbitmq-headless.ns.svc.cluster.local';
    expect(await rendered({})).toEqual({ env: expect.objectContaining({ RABBITMQ_NODE_NAME: node, RABBITMQ_MNESIA_DIR: `/opt/bitnami/rabbitmq/.rabbitmq/mnesia/${node}` }), dataMount: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia' });
    expect(await rendered({ persistence: { mountPath: '/data' } })).toEqual({ env: expect.objectContaining({ RABBITMQ_MNESIA_DIR: `/data/${node}` }), dataMount: '/data' });
  });
});

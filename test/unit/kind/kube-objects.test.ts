import { ApiException, CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { RunInterruptedError } from '../../../src/common/errors.js';
import { FakeKubeApi } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { KubeObjects } from '../../../src/platforms/kind/kube-objects.js';

/** KubeObjects.createService against the fake API's cluster-wide NodePort allocator. */

let api: FakeKubeApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

const service = (name: string): V1Service => ({ metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 5672, nodePort: 30671 }] } });

/** A user whose roles are namespaced only: listing Services across namespaces is refused (RBAC, 403). */
const NAMESPACED_USER = (method: string, path: string) => method === 'GET' && path === '/api/v1/services';

async function twoNamespaces(fake: FakeKubeApi): Promise<[KubeObjects, KubeObjects]> {
  const a = new KubeObjects(fake.kubeConfig(), 'a', 'run=a');
  const b = new KubeObjects(fake.kubeConfig(), 'b', 'run=b');
  await a.createNamespace({ metadata: { name: 'a' } });
  await b.createNamespace({ metadata: { name: 'b' } });
  return [a, b];
}

describe('KubeObjects.createService: a NodePort another namespace holds', () => {
  it('where listing Services cluster-wide is forbidden (403), it cannot name the holder: it waits, and gets the port once freed', async () => {
    api = await FakeKubeApi.start({ forbidden: NAMESPACED_USER, portReleaseMs: 100 });
    const [a, b] = await twoNamespaces(api);
    await a.createService(service('holder'));
    const creating = b.createService(service('mine'), { portWaitMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await a.deleteService('holder');
    await creating;
    expect(api.get('services', 'b', 'mine')).toBeDefined();
    // It did ask, and was refused: the 403 is not taken for an error of the drill.
    expect(api.requests.filter((r) => r.path === '/api/v1/services').map((r) => r.status)).toContain(403);
    expect(api.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/b/services').map((r) => r.status)).toEqual(expect.arrayContaining([422, 200]));
  });

  it('Ctrl-C ends the wait at once (RunInterruptedError), not after the 60 s', async () => {
    api = await FakeKubeApi.start({ forbidden: NAMESPACED_USER });
    const [a, b] = await twoNamespaces(api);
    await a.createService(service('holder'));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await expect(b.createService(service('mine'), { signal: controller.signal })).rejects.toBeInstanceOf(RunInterruptedError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(api.get('services', 'b', 'mine')).toBeUndefined();
  });

  it('forbidden and still held at the deadline: one line saying it could not tell who holds the port', async () => {
    api = await FakeKubeApi.start({ forbidden: NAMESPACED_USER });
    const [a, b] = await twoNamespaces(api);
    await a.createService(service('holder'));
    await expect(b.createService(service('mine'), { portWaitMs: 600 })).rejects.toThrow(
      'kind platform: a NodePort of Service mine was still allocated after 0.6 s, and this user may not list Services cluster-wide (403) to name who holds it (a drill kept with --keep?)',
    );
  });

  it('negative control: the 403 is answered as a real API server answers it, so the tolerance above is tested', async () => {
    api = await FakeKubeApi.start({ forbidden: NAMESPACED_USER });
    const [a] = await twoNamespaces(api);
    await a.createService(service('holder'));
    await expect(api.kubeConfig().makeApiClient(CoreV1Api).listServiceForAllNamespaces()).rejects.toSatisfy((error) => error instanceof ApiException && error.code === 403);
  });
});

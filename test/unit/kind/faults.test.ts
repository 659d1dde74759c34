import { afterEach, describe, expect, it } from 'vitest';
import { DeleteAllPodsFault } from '../../../src/faults/delete-all-pods-fault.js';
import { FullShutdownFault } from '../../../src/faults/full-shutdown-fault.js';
import { MismatchedCookieFault } from '../../../src/faults/mismatched-cookie-fault.js';
import { KILL_SCRIPT } from '../../../src/platforms/kind/node-containers.js';
import type { KubeDoc, RecordedRequest } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { CLUSTER_NAME, KindHarness, KUBE_CONTEXT, RUN_LABEL, until, type HarnessOptions, type Provisioned } from '../../support/kind-harness.js';

/**
 * Contract tests: every fault of the matrix, run through the same DrillContext the drill builds, on a KindCluster
 * from KindPlatform.provision against a fake Kubernetes API. They assert the exact commands, patches and deletes.
 */

const MERGE_PATCH = 'application/merge-patch+json';
const REVISION = 'warren.dev/template-revision';

let harness: KindHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function provision(drill: string, options: HarnessOptions = {}): Promise<{ h: KindHarness; p: Provisioned }> {
  harness = await KindHarness.start(options);
  return { h: harness, p: await harness.provision(drill) };
}

function paths(p: Provisioned) {
  const core = `/api/v1/namespaces/${p.namespace}`;
  const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets`;
  return { core, sts };
}

function stopApp(p: Provisioned, ordinal: number): string {
  return `$ kubectl --context ${KUBE_CONTEXT} --namespace ${p.namespace} exec rabbitmq-${ordinal} -c rabbitmq -- rabbitmqctl --longnames -n ${p.cluster.nodes[ordinal]!.nodeName} stop_app`;
}

function scaleBodies(requests: RecordedRequest[]): unknown[] {
  return requests.filter((r) => r.path.endsWith('/scale')).map((r) => r.body);
}

describe('FullShutdownFault on kind', () => {
  it('runs stop_app in pods 0, 1, 2 in that order, scales to 0 and deletes the pods, then startUp scales to 3', async () => {
    const { h, p } = await provision('full-shutdown');
    const { core, sts } = paths(p);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const context = h.context(p);
    await new FullShutdownFault().inject(context);
    await until('pods back after startUp', () => p.cluster.status().every((pod) => pod.phase === 'ready'));

    const journal = h.journal.slice(from).filter((line) => !line.startsWith('GET'));
    // Then the whole Kubernetes restart of the field notes: every node container stopped and started again.
    const nodes = ['control-plane', 'worker', 'worker2', 'worker3'].map((node) => `${CLUSTER_NAME}-${node}`).join(' ');
    expect(journal).toEqual([
      stopApp(p, 0),
      stopApp(p, 1),
      stopApp(p, 2),
      `PATCH ${sts}/rabbitmq/scale`,
      // Every pod is unready after stop_app, and OrderedReady's scale-down never deletes an unready pod that is not
      // the lowest one: the fake controller keeps that rule, so without this delete the test times out.
      `DELETE ${core}/pods?labelSelector=${p.selector}`,
      `$ kind get nodes --name ${CLUSTER_NAME}`,
      `$ docker stop ${nodes}`,
      `$ docker start ${nodes}`,
      `PATCH ${sts}/rabbitmq/scale`,
    ]);
    const requests = h.api.requests.slice(requestsFrom);
    expect(scaleBodies(requests)).toEqual([{ spec: { replicas: 0 } }, { spec: { replicas: 3 } }]);
    for (const scale of requests.filter((r) => r.path.endsWith('/scale'))) expect(scale.contentType).toBe(MERGE_PATCH);
    // Every node stopped its app while its peers still ran, pod 2 last: the pods went only after the last stop_app,
    // each with its grace period (no gracePeriodSeconds: the pod's own 30 s), stopped by SIGTERM, never killed.
    const collection = requests.find((r) => r.method === 'DELETE')!;
    expect(collection.query).toEqual({ labelSelector: p.selector });
    expect(h.api.containers.filter((c) => c.namespace === p.namespace && c.endedBy !== undefined).map((c) => c.endedBy)).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
    expect(context.marks).toEqual(['stopping pod 0', 'pod 0 stopped', 'stopping pod 1', 'pod 1 stopped', 'stopping pod 2', 'pod 2 stopped', 'pods start again (OrderedReady)']);
    // Negative control: nothing was killed from a node.
    expect(h.runner.commandLines().some((line) => line.startsWith('docker exec'))).toBe(false);
  });
});

describe('DeleteAllPodsFault on kind', () => {
  it('SIGKILLs every RabbitMQ from its node at once, force-deletes the pods, waits until no old container runs, then scales back to 3', async () => {
    // RabbitMQ takes 500 ms to stop on SIGTERM here: a delete (even --grace-period=0 --force) would stop it gracefully.
    const { h, p } = await provision('delete-all-pods', { api: { sigtermExitMs: 500 } });
    const { core, sts } = paths(p);
    const from = h.journal.length;
    const containersBefore = h.api.containers.filter((c) => c.namespace === p.namespace);
    await new DeleteAllPodsFault().inject(h.context(p));
    await until('pods back after startUp', () => p.cluster.status().every((pod) => pod.phase === 'ready'));

    const journal = h.journal.slice(from).filter((line) => !line.startsWith('GET'));
    const onNode = (ordinal: number, script: string) => `$ docker exec ${CLUSTER_NAME}-worker${ordinal === 0 ? '' : ordinal + 1} sh -c ${script} sh ${p.namespace} rabbitmq-${ordinal} rabbitmq`;
    expect(journal.slice(0, 5)).toEqual([onNode(0, KILL_SCRIPT), onNode(1, KILL_SCRIPT), onNode(2, KILL_SCRIPT), `PATCH ${sts}/rabbitmq/scale`, `DELETE ${core}/pods?gracePeriodSeconds=0&labelSelector=${p.selector}`]);
    expect(journal.slice(5, -1).every((line) => [0, 1, 2].some((ordinal) => line === onNode(ordinal, KILL_SCRIPT)))).toBe(true);
    expect(journal.at(-1)).toBe(`PATCH ${sts}/rabbitmq/scale`);
    // kill -9: every container that ran before the fault ended by SIGKILL, none by a graceful stop.
    expect(containersBefore.map((c) => c.endedBy)).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
    // Nothing started on a volume an old container still had open.
    expect(h.api.containers.filter((c) => c.sharedVolumeWith !== undefined)).toEqual([]);
    const requests = h.api.requests.filter((r) => r.path.endsWith('/scale'));
    expect(scaleBodies(requests)).toEqual([{ spec: { replicas: 0 } }, { spec: { replicas: 3 } }]);
    const collection = h.api.requests.find((r) => r.method === 'DELETE' && r.path === `${core}/pods`)!;
    expect(collection.query).toEqual({ labelSelector: `${RUN_LABEL}=${p.spec.runId}`, gracePeriodSeconds: '0' });
    // Negative control: no graceful stop_app (that is the other fault).
    expect(h.runner.execCalls()).toEqual([]);
  });
});

describe('DeleteAllPodsFault on kind, kubelet faster than the force delete', () => {
  it('kills a container kubelet restarted before the pods were deleted: no RabbitMQ of the run stops gracefully', async () => {
    // kubelet restarts a killed container at once here (the first restart has no back-off), so a restarted
    // RabbitMQ exists when the force delete lands; the delete only sends it SIGTERM (500 ms to stop).
    const { h, p } = await provision('delete-all-pods-restarted', { api: { sigtermExitMs: 500, restartDelayMs: 0 } });
    await new DeleteAllPodsFault().inject(h.context(p));
    const before = h.api.podEvents.filter((e) => e.event === 'deleted' && e.namespace === p.namespace).length;
    expect(before).toBeGreaterThanOrEqual(3);
    const ended = h.api.containers.filter((c) => c.namespace === p.namespace && c.endedBy !== undefined);
    expect(ended.length).toBeGreaterThan(3); // the restarted ones ran too
    expect(ended.filter((c) => c.endedBy !== 'SIGKILL')).toEqual([]);
  });
});

describe('MismatchedCookieFault on kind', () => {
  it('reinstall: scales to 0, deletes the release (Background) but not the volumes, installs it again with NEW credentials', async () => {
    const { h, p } = await provision('mismatched-cookie');
    const { core, sts } = paths(p);
    const pvcsBefore = h.api.list('persistentvolumeclaims', p.namespace).map((pvc) => [pvc.metadata.name, pvc.metadata.uid]);
    expect(pvcsBefore).toHaveLength(3);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const eventsFrom = h.api.podEvents.length;
    await new MismatchedCookieFault('reinstall').inject(h.context(p));

    const services = ['rabbitmq-headless', 'rabbitmq-amqp', 'rabbitmq-0-amqp', 'rabbitmq-1-amqp', 'rabbitmq-2-amqp'];
    const journal = h.journal.slice(from).filter((line) => !line.startsWith('GET') && !line.startsWith(`POST ${core}/services`));
    expect(journal).toEqual([
      `PATCH ${sts}/rabbitmq/scale`,
      `DELETE ${sts}/rabbitmq?propagationPolicy=Background`,
      ...services.map((name) => `DELETE ${core}/services/${name}`),
      `DELETE ${core}/configmaps/rabbitmq-config`,
      `DELETE ${core}/secrets/rabbitmq`,
      `POST ${core}/secrets`,
      `POST ${core}/configmaps`,
      // (the Services' POSTs, retried, are checked below)
      `POST ${sts}`,
    ]);
    const requests = h.api.requests.slice(requestsFrom);
    // The deleted Services' NodePorts are free only a moment later (kubernetes#89042): a refused POST is retried.
    const posts = requests.filter((r) => r.method === 'POST' && r.path === `${core}/services`);
    expect(posts.filter((r) => r.status === 200).map((r) => (r.body as KubeDoc).metadata.name)).toEqual(services);
    expect(posts.filter((r) => r.status !== 200).length).toBeGreaterThan(0);
    expect(posts.every((r) => r.status === 200 || r.status === 422)).toBe(true);
    expect(scaleBodies(requests)).toEqual([{ spec: { replicas: 0 } }]);
    // Helm 2's delete: scaled down first, highest ordinal first, pod 0 last, before the StatefulSet went.
    expect(h.api.podEvents.slice(eventsFrom, eventsFrom + 3).map((e) => `${e.event} ${e.name}`)).toEqual(['deleted rabbitmq-2', 'deleted rabbitmq-1', 'deleted rabbitmq-0']);

    const secret = requests.find((r) => r.method === 'POST' && r.path.endsWith('/secrets'))!.body as KubeDoc;
    const { 'rabbitmq-password': password, 'rabbitmq-erlang-cookie': erlangCookie } = secret.stringData as Record<string, string>;
    expect(password).not.toBe(p.spec.credentials.password);
    expect(erlangCookie).not.toBe(p.spec.credentials.erlangCookie);
    expect(erlangCookie).toMatch(/^[A-Z]{32}$/);
    expect({ password, erlangCookie }).toEqual({ password: p.cluster.credentials.password, erlangCookie: p.cluster.credentials.erlangCookie });
    const statefulSet = requests.find((r) => r.method === 'POST' && r.path === sts)!.body as KubeDoc;
    expect(statefulSet.spec.podManagementPolicy).toBe('OrderedReady');
    expect(statefulSet.spec.template.metadata.annotations[REVISION]).toBe('2');
    expect(p.cluster.revision()).toBe(2);

    // The volumes stayed: the same PVC objects, never a delete.
    expect(requests.some((r) => r.path.includes('persistentvolumeclaims') && r.method === 'DELETE')).toBe(false);
    expect(h.api.list('persistentvolumeclaims', p.namespace).map((pvc) => [pvc.metadata.name, pvc.metadata.uid])).toEqual(pvcsBefore);
  });

  it('rolling: PUTs the Secret with new credentials and PATCHes the template revision; pod 2 is replaced first', async () => {
    // New-cookie pods cannot join their old-cookie peers: never ready, so the rollout stops after pod 2.
    const { h, p } = await provision('mismatched-cookie-rolling', { readiness: (pod) => pod.template.metadata?.annotations?.[REVISION] !== '2' });
    const { core, sts } = paths(p);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const eventsFrom = h.api.podEvents.length;
    const context = h.context(p);
    await new MismatchedCookieFault('rolling').inject(context);

    const journal = h.journal.slice(from).filter((line) => !line.startsWith('GET'));
    expect(journal).toEqual([`PUT ${core}/secrets/rabbitmq`, `PATCH ${sts}/rabbitmq`]);
    const requests = h.api.requests.slice(requestsFrom);
    const put = requests.find((r) => r.method === 'PUT')!;
    expect((put.body as KubeDoc).stringData).toEqual({ 'rabbitmq-password': p.cluster.credentials.password, 'rabbitmq-erlang-cookie': p.cluster.credentials.erlangCookie });
    expect(p.cluster.credentials.password).not.toBe(p.spec.credentials.password);
    expect(p.cluster.credentials.erlangCookie).not.toBe(p.spec.credentials.erlangCookie);

    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe(MERGE_PATCH);
    const body = patch.body as KubeDoc;
    expect(Object.keys(body)).toEqual(['spec']);
    expect(Object.keys(body.spec)).toEqual(['template']);
    expect(body.spec.template.metadata.annotations[REVISION]).toBe('2');
    expect(body.spec.template.metadata.labels[RUN_LABEL]).toBe(p.spec.runId);
    // Only the template changed in the applied StatefulSet: the policy and replicas are as they were.
    const applied = h.api.get('statefulsets', p.namespace, 'rabbitmq')!;
    expect(applied.spec.podManagementPolicy).toBe('OrderedReady');
    expect(applied.spec.replicas).toBe(3);

    expect(h.api.podEvents.slice(eventsFrom).map((e) => `${e.event} ${e.name} ${e.revision}`)).toEqual(['deleted rabbitmq-2 1', 'created rabbitmq-2 2']);
    expect(p.cluster.status().map((pod) => [pod.ordinal, pod.revision])).toEqual([
      [0, 1],
      [1, 1],
      [2, 2],
    ]);
    expect(context.marks.at(-1)).toBe('pod 2 runs with the new Secret; pods 0, 1 still run with the old one');
    // Negative control: nothing was deleted or reinstalled through the API.
    expect(requests.some((r) => r.method === 'DELETE' || r.method === 'POST')).toBe(false);
  });
});

describe('the Kubernetes restart of FullShutdownFault (review item 7)', () => {
  it('starts the pods again only once every kubelet is back (lease renewed, node Ready) and CoreDNS serves, not when the API first answers', async () => {
    // After docker start the API answers 200 ms later; the kubelets (and CoreDNS) are back 600 ms after that.
    const { h, p } = await provision('restart', { runner: { restart: { apiDownMs: 200, notReadyMs: 600 } } });
    const { sts } = paths(p);
    const from = h.api.requests.length;
    await new FullShutdownFault().inject(h.context(p));
    await until('pods back after startUp', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    const scaleUp = h.api.requests.slice(from).find((r) => r.path === `${sts}/rabbitmq/scale` && (r.body as KubeDoc).spec.replicas === 3)!;
    expect(h.api.nodesReadyAtMs).toBeGreaterThan(0);
    expect(scaleUp.atMs).toBeGreaterThanOrEqual(h.api.nodesReadyAtMs);
    // What it waited on, read only: the nodes and their kubelets' leases (the Node objects kept saying Ready while
    // the kubelets were down, as on a real cluster), and CoreDNS's pods.
    const readPaths = new Set(h.api.requests.slice(from).filter((r) => r.method === 'GET').map((r) => r.path));
    for (const path of ['/api/v1/nodes', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', '/api/v1/namespaces/kube-system/pods']) expect(readPaths).toContain(path);
    expect(h.api.requests.slice(from).filter((r) => r.path.includes('kube-system') || r.path.includes('kube-node-lease')).every((r) => r.method === 'GET')).toBe(true);
  });

  it('startUp retries the scale while the API does not answer, instead of giving up after one warning', async () => {
    const { h, p } = await provision('startup-retry');
    await p.cluster.scale(0);
    h.api.stopNodes();
    p.cluster.startUp();
    h.api.startNodes({ apiDownMs: 300, notReadyMs: 0 });
    await until('the StatefulSet scaled back to 3', () => h.api.up && h.api.get('statefulsets', p.namespace, 'rabbitmq')!.spec.replicas === 3);
    await until('pods ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
  });
});

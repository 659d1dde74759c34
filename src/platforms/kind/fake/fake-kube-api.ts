import { KubeConfig } from '@kubernetes/client-node';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process Kubernetes API server for contract tests: just the REST endpoints src/platforms/kind/kube-objects.ts
 * uses, a record of every request, and a small StatefulSet controller that keeps the rules warren depends on:
 * - a pod's container runs until it exits, is SIGKILLed from its node, or its grace period ends; a force delete
 *   (grace 0) removes the API object at once but the container still only gets SIGTERM (kubernetes#120449);
 * - OrderedReady scale-down deletes the highest pod first and blocks on a terminating pod or on an unready pod that
 *   is not the first unhealthy one, and nothing moves past an unready replica (stateful_set_control.go);
 * - an unready pod of an old revision is never replaced under OrderedReady (the docs' "Forced rollback"); under
 *   Parallel the rolling update deletes it all the same (the rolling loop deletes before it checks health);
 * - NodePorts are unique across namespaces and freed only some time after their Service is gone (#89042);
 * - a namespace deletion takes time: its pods terminate first, and nothing can be created in it meanwhile;
 * - the controller may lag (`controllerLagMs`): it acts on the StatefulSet as it last observed it
 *   (status.observedGeneration) and sets status.updateRevision from that;
 * - a Kubernetes restart (`stopNodes()`, `startNodes()`): the API is down, then the kubelets are not back for a
 *   while, while the Node objects still say Ready (only their leases tell).
 * Readiness is decided by the test.
 */

// Kubernetes objects as JSON: loosely typed on purpose (the fake stores what it is sent).
export type KubeDoc = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON body (or the raw text), undefined when there was none. */
  body: unknown;
  status: number;
  /** When it arrived (Date.now()). */
  atMs: number;
}

export type Resource = 'namespaces' | 'secrets' | 'configmaps' | 'services' | 'statefulsets' | 'pods' | 'persistentvolumeclaims' | 'nodes';

/** What the test's readiness rule sees of a pod being created. */
export interface PodInfo {
  namespace: string;
  name: string;
  ordinal: number;
  statefulSet: KubeDoc;
  /** The pod template the pod is created from (labels, annotations, containers). */
  template: KubeDoc;
  /** Whether this pod's volumes were created together with it (fresh data) or were there already. */
  freshVolumes: boolean;
}

export interface FakeKubeApiOptions {
  /** Whether a pod is ready once created; default: always. */
  readiness?: (pod: PodInfo) => boolean;
  token?: string;
  /** Shared with a RecordingRunner: every request as `METHOD path?query`, interleaved with command lines. */
  journal?: string[];
  /** Called with every request once answered (its status set): a dry run prints what acted on the cluster. */
  onRequest?: (request: RecordedRequest) => void;
  /**
   * RBAC: the requests the user's roles do not allow (by method and path), answered 403 Forbidden as the API server
   * answers them (a `--context` user with Roles in its namespaces but no ClusterRole cannot list across namespaces).
   */
  forbidden?: (method: string, path: string) => boolean;
  /** How long a RabbitMQ container takes to exit on SIGTERM, in ms (default 0: at once). */
  sigtermExitMs?: number;
  /** Milliseconds of test time per second of a grace period (default 10: the fixture's 30 s grace is 300 ms). */
  msPerGraceSecond?: number;
  /** How long after its Service is gone a NodePort can be allocated again, in ms (default 300). */
  portReleaseMs?: number;
  /** How long a namespace stays Terminating after its last pod is gone, in ms (default 30). */
  namespaceFinalizeMs?: number;
  /** How long the StatefulSet controller takes to observe a change, in ms (default 0: at once). */
  controllerLagMs?: number;
  /** How long kubelet waits before restarting a container that died while its pod still exists, in ms (default 200). */
  restartDelayMs?: number;
  /** The kind worker nodes pods are scheduled on, by ordinal (default warren-test-worker, …worker2, …worker3). */
  nodes?: string[];
  /** The kind cluster's name, which names its control-plane node (default warren-test). */
  cluster?: string;
}

/** One container's life, from its pod's creation to its end: what "kill -9" and "gone" are checked against. */
export interface ContainerRecord {
  namespace: string;
  pod: string;
  podUid: string;
  node: string;
  /** The volumes (PVC names) it had mounted. */
  claims: string[];
  startedAtMs: number;
  endedAtMs?: number;
  /** How it ended: killed from the node, stopped by SIGTERM (a delete), or at the end of its grace period. */
  endedBy?: 'SIGKILL' | 'SIGTERM' | 'grace-period-ended';
  /** A container still running on one of its volumes when it started (two RabbitMQ nodes on one data dir). */
  sharedVolumeWith?: string;
}

const CONTROL_PLANE_NODE = 'warren-test-control-plane';
const WORKER_NODES = ['warren-test-worker', 'warren-test-worker2', 'warren-test-worker3'];

const TOKEN = 'fake-token-for-contract-tests';
const NAMESPACED = new Set<Resource>(['secrets', 'configmaps', 'services', 'statefulsets', 'pods', 'persistentvolumeclaims']);
const KINDS: Record<Resource, string> = {
  nodes: 'Node',
  namespaces: 'Namespace',
  secrets: 'Secret',
  configmaps: 'ConfigMap',
  services: 'Service',
  statefulsets: 'StatefulSet',
  pods: 'Pod',
  persistentvolumeclaims: 'PersistentVolumeClaim',
};

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** What happened to pods, whoever did it (a request, the controller, the garbage collector). */
export interface PodEvent {
  event: 'created' | 'deleted';
  namespace: string;
  name: string;
  uid: string;
  /** The pod template's warren.dev/template-revision annotation. */
  revision?: string;
}

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  readonly podEvents: PodEvent[] = [];
  /** Every container that ran, in start order. */
  readonly containers: ContainerRecord[] = [];
  readiness: (pod: PodInfo) => boolean;
  readonly #server: Server;
  readonly #token: string;
  readonly #journal: string[] | undefined;
  readonly #onRequest: ((request: RecordedRequest) => void) | undefined;
  readonly #forbidden: ((method: string, path: string) => boolean) | undefined;
  readonly #store = new Map<Resource, Map<string, KubeDoc>>();
  readonly #logs = new Map<string, { current?: string; previous?: string }>();
  readonly #timing: Required<Omit<FakeKubeApiOptions, 'readiness' | 'token' | 'journal' | 'onRequest' | 'forbidden' | 'cluster'>>;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** nodePort → the Service holding it (`namespace/name`), or the time (ms) from which it is free again. */
  readonly #nodePorts = new Map<number, string | number>();
  /** PVC → the node its local-path volume lives on (PV node affinity brings the pod back there). */
  readonly #claimNodes = new Map<string, string>();
  /** What the controller last observed of each StatefulSet (`namespace/name` → a copy at observedGeneration). */
  readonly #observed = new Map<string, KubeDoc>();
  /** Pod uid → whether the test's readiness rule made it ready: a restarted container comes back the same. */
  readonly #readyOnStart = new Map<string, boolean>();
  #apiDown = false;
  #kubeletsDown = false;
  #kubeletsBackAtMs = 0;
  #resourceVersion = 1;

  private constructor(server: Server, options: FakeKubeApiOptions) {
    this.#server = server;
    this.#token = options.token ?? TOKEN;
    this.#journal = options.journal;
    this.#onRequest = options.onRequest;
    this.#forbidden = options.forbidden;
    this.readiness = options.readiness ?? (() => true);
    this.#timing = {
      sigtermExitMs: options.sigtermExitMs ?? 0,
      msPerGraceSecond: options.msPerGraceSecond ?? 10,
      portReleaseMs: options.portReleaseMs ?? 300,
      namespaceFinalizeMs: options.namespaceFinalizeMs ?? 30,
      controllerLagMs: options.controllerLagMs ?? 0,
      restartDelayMs: options.restartDelayMs ?? 200,
      nodes: options.nodes ?? WORKER_NODES,
    };
    for (const resource of Object.keys(KINDS) as Resource[]) this.#store.set(resource, new Map());
    for (const name of [options.cluster === undefined ? CONTROL_PLANE_NODE : `${options.cluster}-control-plane`, ...this.#timing.nodes]) {
      this.#store.get('nodes')!.set(name, { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: randomUUID() }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    }
    this.#kubeletsBackAtMs = Date.now();
  }

  static async start(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
    let api: FakeKubeApi | undefined;
    const server = createServer((request, response) => void api!.#handle(request, response));
    api = new FakeKubeApi(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get server(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig whose only context (`context`) points at this server with a bearer token. */
  kubeConfig(context = 'kind-warren-test'): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: context, server: this.server, skipTLSVerify: true }],
      users: [{ name: context, token: this.#token }],
      contexts: [{ name: context, cluster: context, user: context }],
      currentContext: context,
    });
    return kubeConfig;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- what tests look at and script ----

  get(resource: Resource, namespace: string, name: string): KubeDoc | undefined {
    return this.#store.get(resource)!.get(key(resource, namespace, name));
  }

  list(resource: Resource, namespace?: string): KubeDoc[] {
    return [...this.#store.get(resource)!.values()].filter((doc) => namespace === undefined || doc.metadata.namespace === namespace);
  }

  /** The running containers of a pod on a node, as `crictl ps --label io.kubernetes.pod.…` lists them there. */
  runningContainers(node: string, namespace: string, pod: string): ContainerRecord[] {
    return this.containers.filter((container) => container.node === node && container.namespace === namespace && container.pod === pod && container.endedAtMs === undefined);
  }

  /** SIGKILL from the node to a pod's container (kubelet restarts it if its pod still exists). Returns how many ended. */
  killContainers(node: string, namespace: string, pod: string): number {
    const running = this.runningContainers(node, namespace, pod);
    for (const container of running) this.#endContainer(container, 'SIGKILL');
    return running.length;
  }

  /**
   * `docker stop` of every node: the API stops answering and every container is stopped (SIGTERM). The Node objects
   * keep saying Ready and CoreDNS's pods ready (nobody is left to update them; the node monitor's grace period is
   * ~40 s): only the kubelets' leases, no longer renewed, tell.
   */
  stopNodes(): void {
    this.#apiDown = true;
    this.#kubeletsDown = true;
    for (const container of this.containers) if (container.endedAtMs === undefined) this.#endContainer(container, 'SIGTERM', { restart: false });
  }

  /** `docker start` of every node: the API answers after `apiDownMs`; nodes are Ready and CoreDNS available `notReadyMs` later. */
  startNodes(options: { apiDownMs: number; notReadyMs: number }): void {
    this.#after(options.apiDownMs, () => {
      this.#apiDown = false;
      this.#after(options.notReadyMs, () => {
        this.#setNodesReady(true);
        for (const pod of this.list('pods')) if (!pod.metadata.deletionTimestamp) this.#restartContainer(pod);
        for (const namespace of this.list('namespaces')) this.#reconcile(namespace.metadata.name);
      });
    });
  }

  /** Whether every kubelet is back (false from `stopNodes()` until `startNodes()` is done). */
  get nodesReady(): boolean {
    return !this.#kubeletsDown;
  }

  /** Whether the API answers (false while `restart()` has it down). */
  get up(): boolean {
    return !this.#apiDown;
  }

  hasPod(namespace: string, name: string): boolean {
    return this.get('pods', namespace, name) !== undefined;
  }

  /** The container log `kubectl logs` (or `-p`, previous) returns for a pod, until the pod is deleted. */
  setPodLog(namespace: string, pod: string, text: string, options: { previous?: boolean } = {}): void {
    const logs = this.#logs.get(`${namespace}/${pod}`) ?? {};
    logs[options.previous ? 'previous' : 'current'] = text;
    this.#logs.set(`${namespace}/${pod}`, logs);
  }

  /** Appends a line to a pod's current container log (a stuck node logging each retry). */
  appendPodLog(namespace: string, pod: string, line: string): void {
    const logs = this.#logs.get(`${namespace}/${pod}`) ?? {};
    logs.current = `${logs.current ?? ''}${line}\n`;
    this.#logs.set(`${namespace}/${pod}`, logs);
  }

  /** A pod's readiness changes (rabbitmqctl stop_app fails the readiness probe); the controller reacts. */
  setPodReady(namespace: string, name: string, ready: boolean): void {
    const pod = this.get('pods', namespace, name);
    if (!pod) return;
    for (const status of pod.status.containerStatuses as KubeDoc[]) status.ready = ready;
    pod.status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
    this.#bump(pod);
    this.#reconcile(namespace);
  }

  /** Create or replace an object directly (what a fake chart renders), then let the controller act. */
  apply(resource: Resource, namespace: string, doc: KubeDoc): KubeDoc {
    const existing = this.get(resource, namespace, doc.metadata.name);
    const stored = existing ? this.#replace(resource, namespace, doc.metadata.name, doc) : this.#create(resource, namespace, doc);
    this.#reconcile(namespace);
    return stored;
  }

  /** Delete an object directly (helm uninstall), with the garbage collector's propagation. */
  remove(resource: Resource, namespace: string, name: string, propagationPolicy: 'Orphan' | 'Background' = 'Background'): void {
    if (this.get(resource, namespace, name)) this.#delete(resource, namespace, name, { propagationPolicy });
    this.#reconcile(namespace);
  }

  /** The requests after `from` (an index into `requests`), minus pod polling and log reads. */
  changes(from = 0): RecordedRequest[] {
    return this.requests.slice(from).filter((request) => request.method !== 'GET');
  }

  // ---- HTTP ----

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.#apiDown) {
      // docker stop of the control plane: nothing listens (client-node sees a connection error, not a Status).
      request.socket.destroy();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const contentType = request.headers['content-type'];
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text === '' ? undefined : /json/.test(contentType ?? '') ? JSON.parse(text) : text;
    } catch {
      body = text;
    }
    const record: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query, contentType, body, status: 0, atMs: Date.now() };
    this.requests.push(record);
    const line = `${record.method} ${record.path}${url.search}`;
    // Pod polling and log reads would drown the journal: it keeps what acts on the cluster.
    const journalAt = record.method !== 'GET' || !/\/(pods|log)$/.test(record.path) ? this.#journal?.push(decodeURIComponent(line)) : undefined;
    try {
      if (request.headers.authorization !== `Bearer ${this.#token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      if (this.#forbidden?.(record.method, record.path)) throw new HttpError(403, 'Forbidden', `${record.method} ${record.path} is forbidden: User "warren" cannot ${record.method.toLowerCase()} this resource`);
      const result = this.#route(record);
      record.status = 200;
      if (typeof result === 'string') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(result);
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      }
    } catch (error) {
      const failure = error instanceof HttpError ? error : new HttpError(500, 'InternalError', String(error));
      record.status = failure.code;
      // A refused write the caller retries (a NodePort not free yet) is marked, so a journal can tell it apart.
      if (failure.code === 422 && journalAt !== undefined) this.#journal![journalAt - 1] += ' (refused 422)';
      response.writeHead(failure.code, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code: failure.code }));
    }
    this.#onRequest?.(record);
  }

  #route(request: RecordedRequest): KubeDoc | string {
    const { method, path } = request;
    let match: RegExpExecArray | null;
    if (path === '/api/v1/namespaces') {
      if (method === 'POST') return this.#create('namespaces', '', objectBody(request));
      if (method === 'GET') return this.#listResponse('namespaces', undefined, request.query.labelSelector);
    }
    if ((match = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path))) {
      const name = match[1]!;
      if (method === 'GET') return this.#mustGet('namespaces', '', name);
      if (method === 'DELETE') {
        this.#deleteNamespace(this.#mustGet('namespaces', '', name));
        return status();
      }
    }
    if (path === '/api/v1/services' && method === 'GET') return this.#listResponse('services', undefined, request.query.labelSelector);
    if (path === '/api/v1/nodes' && method === 'GET') return this.#listResponse('nodes', undefined, request.query.labelSelector);
    if (path === '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases' && method === 'GET') return this.#nodeLeases();
    if (path === '/api/v1/namespaces/kube-system/pods' && method === 'GET' && request.query.labelSelector === 'k8s-app=kube-dns') return this.#coreDnsPods();
    if ((match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path)) && method === 'GET') {
      return this.#podLog(match[1]!, match[2]!, request.query.previous === 'true');
    }
    if ((match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/statefulsets\/([^/]+)\/scale$/.exec(path))) {
      return this.#scale(request, match[1]!, match[2]!);
    }
    match = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|configmaps|services|pods|persistentvolumeclaims)(?:\/([^/]+))?$/.exec(path) ?? /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(statefulsets)(?:\/([^/]+))?$/.exec(path);
    if (match) {
      const [, namespace, resource, name] = match as unknown as [string, string, Resource, string | undefined];
      const result = name === undefined ? this.#collection(request, resource, namespace) : this.#item(request, resource, namespace, name);
      this.#reconcile(namespace);
      return result;
    }
    throw new HttpError(404, 'NotFound', `the fake API does not serve ${method} ${path}`);
  }

  #collection(request: RecordedRequest, resource: Resource, namespace: string): KubeDoc {
    const selector = request.query.labelSelector;
    switch (request.method) {
      case 'POST':
        return this.#create(resource, namespace, objectBody(request));
      case 'GET':
        return this.#listResponse(resource, namespace, selector);
      case 'DELETE': {
        const options = deleteOptions(request);
        for (const doc of this.list(resource, namespace).filter((doc) => matchesSelector(doc.metadata.labels, selector))) {
          this.#delete(resource, namespace, doc.metadata.name, options);
        }
        return status();
      }
    }
    throw new HttpError(405, 'MethodNotAllowed', `${request.method} on ${resource}`);
  }

  #item(request: RecordedRequest, resource: Resource, namespace: string, name: string): KubeDoc {
    switch (request.method) {
      case 'GET':
        return this.#mustGet(resource, namespace, name);
      case 'PUT':
        this.#mustGet(resource, namespace, name);
        return this.#replace(resource, namespace, name, objectBody(request));
      case 'PATCH': {
        const current = this.#mustGet(resource, namespace, name);
        const patched = mergePatch(structuredClone(current), patchBody(request)) as KubeDoc;
        return this.#replace(resource, namespace, name, patched);
      }
      case 'DELETE': {
        const doc = this.#mustGet(resource, namespace, name);
        this.#delete(resource, namespace, name, deleteOptions(request));
        return resource === 'pods' ? doc : status();
      }
    }
    throw new HttpError(405, 'MethodNotAllowed', `${request.method} on ${resource}/${name}`);
  }

  #scale(request: RecordedRequest, namespace: string, name: string): KubeDoc {
    const statefulSet = this.#mustGet('statefulsets', namespace, name);
    if (request.method === 'PATCH') {
      const patch = patchBody(request) as KubeDoc;
      const replicas = patch.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) throw new HttpError(422, 'Invalid', `spec.replicas: invalid value ${String(replicas)}`);
      statefulSet.spec.replicas = replicas;
      statefulSet.metadata.generation = (statefulSet.metadata.generation ?? 1) + 1;
      this.#bump(statefulSet);
      this.#observeLater(statefulSet);
      this.#reconcile(namespace);
    } else if (request.method !== 'GET') {
      throw new HttpError(405, 'MethodNotAllowed', `${request.method} on statefulsets/${name}/scale`);
    }
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace, uid: statefulSet.metadata.uid, resourceVersion: statefulSet.metadata.resourceVersion },
      spec: { replicas: statefulSet.spec.replicas },
      status: { replicas: this.#podsOf(statefulSet, namespace).size },
    };
  }

  #podLog(namespace: string, name: string, previous: boolean): string {
    this.#mustGet('pods', namespace, name);
    const logs = this.#logs.get(`${namespace}/${name}`);
    if (previous) {
      if (logs?.previous === undefined) throw new HttpError(400, 'BadRequest', `previous terminated container "rabbitmq" in pod "${name}" not found`);
      return logs.previous;
    }
    return logs?.current ?? '';
  }

  // ---- storage ----

  #mustGet(resource: Resource, namespace: string, name: string): KubeDoc {
    const doc = this.get(resource, namespace, name);
    if (!doc) throw new HttpError(404, 'NotFound', `${resource} "${name}" not found`);
    return doc;
  }

  #listResponse(resource: Resource, namespace: string | undefined, selector: string | undefined): KubeDoc {
    return {
      apiVersion: resource === 'statefulsets' ? 'apps/v1' : 'v1',
      kind: `${KINDS[resource]}List`,
      metadata: { resourceVersion: String(this.#resourceVersion) },
      items: this.list(resource, namespace).filter((doc) => matchesSelector(doc.metadata.labels, selector)),
    };
  }

  #create(resource: Resource, namespace: string, doc: KubeDoc): KubeDoc {
    const name = doc.metadata?.name;
    if (typeof name !== 'string' || name === '') throw new HttpError(422, 'Invalid', 'metadata.name: Required value');
    if (NAMESPACED.has(resource)) {
      const owner = this.get('namespaces', '', namespace);
      if (!owner) throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`);
      if (owner.metadata.deletionTimestamp) throw new HttpError(403, 'Forbidden', `${resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
      if (doc.metadata.namespace !== undefined && doc.metadata.namespace !== namespace) {
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
    }
    if (this.get(resource, namespace, name)) throw new HttpError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
    if (resource === 'services') this.#allocateNodePorts(namespace, name, doc);
    const stored = normalize(resource, structuredClone(doc));
    stored.metadata = {
      ...stored.metadata,
      ...(NAMESPACED.has(resource) ? { namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
    };
    this.#bump(stored);
    if (resource === 'statefulsets') stored.metadata.generation = 1;
    this.#store.get(resource)!.set(key(resource, namespace, name), stored);
    if (resource === 'pods') this.podEvents.push(podEvent('created', stored));
    if (resource === 'statefulsets') this.#observeLater(stored);
    return stored;
  }

  #replace(resource: Resource, namespace: string, name: string, doc: KubeDoc): KubeDoc {
    const current = this.#mustGet(resource, namespace, name);
    if (doc.metadata?.name !== undefined && doc.metadata.name !== name) throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    const stored = normalize(resource, structuredClone(doc));
    stored.metadata = { ...stored.metadata, name, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, ...(NAMESPACED.has(resource) ? { namespace } : {}) };
    if (resource === 'statefulsets') {
      if (stored.spec?.podManagementPolicy !== current.spec.podManagementPolicy) {
        throw new HttpError(422, 'Invalid', 'StatefulSet.apps is invalid: spec: Forbidden: updates to statefulset spec for fields other than ... are forbidden');
      }
      stored.metadata.generation = (current.metadata.generation ?? 1) + 1;
      stored.status = current.status;
    }
    this.#bump(stored);
    this.#store.get(resource)!.set(key(resource, namespace, name), stored);
    if (resource === 'statefulsets') this.#observeLater(stored);
    return stored;
  }

  #delete(resource: Resource, namespace: string, name: string, options: DeleteOptions): void {
    const doc = this.get(resource, namespace, name);
    if (!doc) return;
    if (resource === 'pods') {
      this.#deletePod(doc, options.gracePeriodSeconds);
      return;
    }
    this.#store.get(resource)!.delete(key(resource, namespace, name));
    if (resource === 'services') this.#releaseNodePorts(namespace, name);
    if (resource === 'statefulsets') {
      this.#observed.delete(`${namespace}/${name}`);
      for (const pod of this.list('pods', namespace)) {
        if (!(pod.metadata.ownerReferences ?? []).some((owner: KubeDoc) => owner.uid === doc.metadata.uid)) continue;
        if (options.propagationPolicy === 'Orphan') delete pod.metadata.ownerReferences;
        else this.#deletePod(pod, undefined);
      }
    }
  }

  /**
   * A pod delete: grace 0 (a force delete) removes the object at once, any other grace marks it terminating until
   * its container is gone. Either way the container only gets SIGTERM and runs until it exits or its grace ends.
   */
  #deletePod(pod: KubeDoc, gracePeriodSeconds: number | undefined): void {
    const grace = gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const running = this.#runningContainers(pod.metadata.uid);
    if (grace === 0 || running.length === 0) {
      this.#removePod(pod);
    } else if (!pod.metadata.deletionTimestamp) {
      pod.metadata.deletionTimestamp = new Date().toISOString();
      pod.metadata.deletionGracePeriodSeconds = grace;
      this.#bump(pod);
    }
    // kubelet's grace is the pod's own even on a force delete (kubernetes#120449, #86914).
    const kubeletGrace = grace === 0 ? (pod.spec?.terminationGracePeriodSeconds ?? 30) : grace;
    for (const container of running) this.#terminate(container, kubeletGrace);
  }

  #removePod(pod: KubeDoc): void {
    const { namespace, name } = pod.metadata;
    if (this.get('pods', namespace, name)?.metadata.uid !== pod.metadata.uid) return;
    this.#store.get('pods')!.delete(key('pods', namespace, name));
    this.#logs.delete(`${namespace}/${name}`);
    this.podEvents.push(podEvent('deleted', pod));
    const owner = this.get('namespaces', '', namespace);
    if (owner?.metadata.deletionTimestamp && this.list('pods', namespace).length === 0) this.#after(this.#timing.namespaceFinalizeMs, () => this.#finalizeNamespace(namespace));
  }

  /** The namespace controller: every pod terminates (graceful), then the rest goes and the namespace with it. */
  #deleteNamespace(namespace: KubeDoc): void {
    const name: string = namespace.metadata.name;
    if (namespace.metadata.deletionTimestamp) return;
    namespace.metadata.deletionTimestamp = new Date().toISOString();
    namespace.status = { phase: 'Terminating' };
    this.#bump(namespace);
    for (const statefulSet of this.list('statefulsets', name)) {
      this.#store.get('statefulsets')!.delete(key('statefulsets', name, statefulSet.metadata.name));
      this.#observed.delete(`${name}/${statefulSet.metadata.name}`);
    }
    const pods = this.list('pods', name);
    for (const pod of pods) this.#deletePod(pod, undefined);
    if (pods.length === 0) this.#after(this.#timing.namespaceFinalizeMs, () => this.#finalizeNamespace(name));
  }

  #finalizeNamespace(name: string): void {
    if (!this.get('namespaces', '', name) || this.list('pods', name).length > 0) return;
    for (const resource of NAMESPACED) {
      for (const doc of this.list(resource, name)) {
        this.#store.get(resource)!.delete(key(resource, name, doc.metadata.name));
        if (resource === 'services') this.#releaseNodePorts(name, doc.metadata.name);
      }
    }
    for (const logKey of [...this.#logs.keys()]) if (logKey.startsWith(`${name}/`)) this.#logs.delete(logKey);
    this.#store.get('namespaces')!.delete(key('namespaces', '', name));
  }

  // ---- NodePorts: one allocator for the whole cluster ----

  #allocateNodePorts(namespace: string, name: string, service: KubeDoc): void {
    const ports = ((service.spec?.ports ?? []) as KubeDoc[]).map((port, index) => [index, port.nodePort] as const).filter(([, nodePort]) => nodePort !== undefined);
    for (const [index, nodePort] of ports) {
      const holder = this.#nodePorts.get(nodePort);
      if (typeof holder === 'string' || (typeof holder === 'number' && Date.now() < holder)) {
        throw new HttpError(422, 'Invalid', `Service "${name}" is invalid: spec.ports[${index}].nodePort: Invalid value: ${nodePort}: provided port is already allocated`);
      }
    }
    for (const [, nodePort] of ports) this.#nodePorts.set(nodePort, `${namespace}/${name}`);
  }

  #releaseNodePorts(namespace: string, name: string): void {
    for (const [nodePort, holder] of this.#nodePorts) if (holder === `${namespace}/${name}`) this.#nodePorts.set(nodePort, Date.now() + this.#timing.portReleaseMs);
  }

  // ---- containers (what kubelet runs) ----

  #runningContainers(podUid: string): ContainerRecord[] {
    return this.containers.filter((container) => container.podUid === podUid && container.endedAtMs === undefined);
  }

  #startContainer(pod: KubeDoc): void {
    const { namespace, name } = pod.metadata;
    const claims = ((pod.spec?.volumes ?? []) as KubeDoc[]).map((volume) => volume.persistentVolumeClaim?.claimName).filter((claim): claim is string => typeof claim === 'string');
    const sharing = this.containers.find((other) => other.endedAtMs === undefined && other.podUid !== pod.metadata.uid && other.claims.some((claim) => claims.includes(claim)));
    this.containers.push({
      namespace,
      pod: name,
      podUid: pod.metadata.uid,
      node: pod.spec.nodeName,
      claims,
      startedAtMs: Date.now(),
      ...(sharing ? { sharedVolumeWith: `${sharing.namespace}/${sharing.pod} (${sharing.podUid})` } : {}),
    });
  }

  /** SIGTERM: the container exits after `sigtermExitMs`, or is killed when its grace period ends. */
  #terminate(container: ContainerRecord, graceSeconds: number): void {
    const graceMs = graceSeconds * this.#timing.msPerGraceSecond;
    const exitsFirst = this.#timing.sigtermExitMs <= graceMs;
    const end = () => this.#endContainer(container, exitsFirst ? 'SIGTERM' : 'grace-period-ended', { restart: false });
    if (Math.min(this.#timing.sigtermExitMs, graceMs) === 0) end();
    else this.#after(Math.min(this.#timing.sigtermExitMs, graceMs), end);
  }

  #endContainer(container: ContainerRecord, how: NonNullable<ContainerRecord['endedBy']>, options: { restart?: boolean } = {}): void {
    if (container.endedAtMs !== undefined) return;
    container.endedAtMs = Date.now();
    container.endedBy = how;
    const pod = this.get('pods', container.namespace, container.pod);
    if (!pod || pod.metadata.uid !== container.podUid) return;
    if (pod.metadata.deletionTimestamp) {
      this.#removePod(pod);
      this.#reconcile(container.namespace);
      return;
    }
    for (const status of pod.status.containerStatuses as KubeDoc[]) {
      status.ready = false;
      status.state = { terminated: { exitCode: how === 'SIGKILL' ? 137 : 143, reason: 'Error' } };
    }
    pod.status.conditions = [{ type: 'Ready', status: 'False' }];
    this.#bump(pod);
    if (options.restart === false) return;
    // restartPolicy Always: kubelet starts the container again in the same pod.
    this.#after(this.#timing.restartDelayMs, () => {
      const now = this.get('pods', container.namespace, container.pod);
      if (!now || now.metadata.uid !== container.podUid || now.metadata.deletionTimestamp || !this.up) return;
      this.#restartContainer(now);
    });
  }

  /** kubelet starts a pod's container again: restartCount + 1, ready as the test's rule made it at creation. */
  #restartContainer(pod: KubeDoc): void {
    this.#startContainer(pod);
    const ready = this.#readyOnStart.get(pod.metadata.uid) ?? false;
    for (const status of pod.status.containerStatuses as KubeDoc[]) {
      status.restartCount = (status.restartCount ?? 0) + 1;
      status.state = { running: { startedAt: new Date().toISOString() } };
      status.ready = ready;
    }
    pod.status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
    this.#bump(pod);
  }

  /** When the kubelets last came back (Date.now()); 0 if they never went down. */
  nodesReadyAtMs = 0;

  #setNodesReady(ready: boolean): void {
    if (!ready) return;
    this.#kubeletsDown = false;
    this.nodesReadyAtMs = Date.now();
    this.#kubeletsBackAtMs = Date.now();
  }

  /** One Lease per node in kube-node-lease, renewed when its kubelet (re)started and every 10 s while it runs. */
  #nodeLeases(): KubeDoc {
    const renewTime = new Date(this.#kubeletsDown ? this.#kubeletsBackAtMs : Math.max(this.#kubeletsBackAtMs, Date.now() - 5_000)).toISOString().replace('Z', '000Z');
    const items = this.list('nodes').map((node) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node.metadata.name, namespace: 'kube-node-lease' }, spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: 40, renewTime } }));
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'LeaseList', metadata: { resourceVersion: String(this.#resourceVersion) }, items };
  }

  /** CoreDNS's two pods: their containers started when the kubelets last came back, and ready since. */
  #coreDnsPods(): KubeDoc {
    const startedAt = new Date(this.#kubeletsBackAtMs).toISOString();
    const items = ['coredns-0', 'coredns-1'].map((name) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      status: { phase: 'Running', containerStatuses: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns', imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt } } }] },
    }));
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.#resourceVersion) }, items };
  }

  #after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #bump(doc: KubeDoc): void {
    doc.metadata.resourceVersion = String(++this.#resourceVersion);
  }

  // ---- the StatefulSet controller ----

  /** The controller sees a StatefulSet change `controllerLagMs` later (its informer); pod changes it sees at once. */
  #observeLater(statefulSet: KubeDoc): void {
    const { namespace, name } = statefulSet.metadata;
    const observe = () => {
      const current = this.get('statefulsets', namespace, name);
      if (!current || current.metadata.uid !== statefulSet.metadata.uid) return;
      this.#observed.set(`${namespace}/${name}`, structuredClone(current));
      this.#reconcile(namespace);
    };
    if (this.#timing.controllerLagMs === 0) this.#observed.set(`${namespace}/${name}`, structuredClone(statefulSet));
    else this.#after(this.#timing.controllerLagMs, observe);
  }

  #reconcile(namespace: string): void {
    if (this.#apiDown) return;
    for (let round = 0; round < 100; round++) if (!this.#reconcileOnce(namespace)) return this.#updateStatuses(namespace);
    throw new Error('fake StatefulSet controller did not settle');
  }

  #podsOf(statefulSet: KubeDoc, namespace: string): Map<number, KubeDoc> {
    const pods = new Map<number, KubeDoc>();
    const pattern = new RegExp(`^${statefulSet.metadata.name}-(\\d+)$`);
    for (const pod of this.list('pods', namespace)) {
      const match = pattern.exec(pod.metadata.name);
      if (match && matchesSelector(pod.metadata.labels, selectorString(statefulSet.spec.selector?.matchLabels ?? {}))) pods.set(Number(match[1]), pod);
    }
    return pods;
  }

  /** status as the controller writes it: from what it observed (observedGeneration, updateRevision) and the pods. */
  #updateStatuses(namespace: string): void {
    for (const statefulSet of this.list('statefulsets', namespace)) {
      const observed = this.#observed.get(`${namespace}/${statefulSet.metadata.name}`);
      if (!observed) continue;
      const pods = [...this.#podsOf(observed, namespace).values()];
      const updateRevision = `${observed.metadata.name}-${templateHash(observed.spec.template)}`;
      statefulSet.status = {
        observedGeneration: observed.metadata.generation,
        replicas: pods.length,
        readyReplicas: pods.filter(isReady).length,
        updatedReplicas: pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === updateRevision).length,
        currentRevision: statefulSet.status?.currentRevision ?? updateRevision,
        updateRevision,
      };
    }
  }

  /** One step of the controller, on the StatefulSet as it last observed it; true if it changed something. */
  #reconcileOnce(namespace: string): boolean {
    for (const current of this.list('statefulsets', namespace)) {
      const statefulSet = this.#observed.get(`${namespace}/${current.metadata.name}`);
      if (!statefulSet) continue;
      const replicas: number = statefulSet.spec.replicas ?? 1;
      const ordered = statefulSet.spec.podManagementPolicy !== 'Parallel';
      const hash = templateHash(statefulSet.spec.template);
      const pods = this.#podsOf(statefulSet, namespace);
      // Adoption: an orphaned pod the selector matches belongs to the (new) StatefulSet.
      for (const pod of pods.values()) {
        if (!pod.metadata.ownerReferences) pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSet.metadata.name, uid: statefulSet.metadata.uid, controller: true }];
      }
      let created = false;
      for (let ordinal = 0; ordinal < replicas; ordinal++) {
        const pod = pods.get(ordinal);
        if (!pod) {
          this.#createPod(statefulSet, ordinal, hash);
          created = true;
          if (ordered) return true;
          continue;
        }
        // OrderedReady: nothing moves past a terminating or unready pod (processReplica returns early).
        if (ordered && (pod.metadata.deletionTimestamp || !isReady(pod))) return created;
      }
      if (created) return true;
      // Scale-down (processCondemned): highest first; under OrderedReady it blocks on a terminating pod, and on an
      // unready pod unless that pod is the first unhealthy one (the lowest ordinal not running and ready).
      const condemned = [...pods.keys()].filter((ordinal) => ordinal >= replicas).sort((a, b) => b - a);
      const firstUnhealthy = [...pods.keys()].sort((a, b) => a - b).find((ordinal) => !isHealthy(pods.get(ordinal)!));
      let deleted = false;
      for (const ordinal of condemned) {
        const pod = pods.get(ordinal)!;
        if (pod.metadata.deletionTimestamp) {
          if (ordered) return deleted;
          continue;
        }
        if (ordered && !isReady(pod) && ordinal !== firstUnhealthy) return deleted;
        this.#deletePod(pod, undefined);
        deleted = true;
        if (ordered) return true;
      }
      if (deleted) return true;
      if ((statefulSet.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') continue;
      // RollingUpdate (updateStatefulSet's last loop, stateful_set_control.go): from the highest ordinal down, the
      // first pod not on the update revision and not terminating is deleted, ready or not; an unhealthy pod above it
      // makes the controller wait. Under OrderedReady the loops above never get here past an unready pod, so an
      // unready old-revision pod stays; under Parallel it is replaced.
      for (let ordinal = replicas - 1; ordinal >= 0; ordinal--) {
        const pod = pods.get(ordinal);
        if (!pod) break;
        if (pod.metadata.labels?.['controller-revision-hash'] !== `${statefulSet.metadata.name}-${hash}` && !pod.metadata.deletionTimestamp) {
          this.#deletePod(pod, undefined);
          return true;
        }
        if (!isHealthy(pod)) break;
      }
    }
    return false;
  }

  #createPod(statefulSet: KubeDoc, ordinal: number, hash: string): void {
    const namespace: string = statefulSet.metadata.namespace;
    const name = `${statefulSet.metadata.name}-${ordinal}`;
    const template: KubeDoc = structuredClone(statefulSet.spec.template ?? {});
    let freshVolumes = false;
    const claimVolumes: KubeDoc[] = [];
    for (const claim of (statefulSet.spec.volumeClaimTemplates ?? []) as KubeDoc[]) {
      const claimName = `${claim.metadata.name}-${name}`;
      claimVolumes.push({ name: claim.metadata.name, persistentVolumeClaim: { claimName } });
      if (this.get('persistentvolumeclaims', namespace, claimName)) continue;
      freshVolumes = true;
      this.#create('persistentvolumeclaims', namespace, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claimName, labels: { ...claim.metadata.labels, ...statefulSet.spec.selector?.matchLabels } },
        spec: structuredClone(claim.spec ?? {}),
        status: { phase: 'Bound' },
      });
    }
    // local-path volumes have node affinity: a pod whose claim exists goes back to that claim's node.
    const claimKey = claimVolumes[0] ? `${namespace}/${claimVolumes[0].persistentVolumeClaim.claimName}` : undefined;
    const nodeName = (claimKey && this.#claimNodes.get(claimKey)) ?? this.#timing.nodes[ordinal % this.#timing.nodes.length]!;
    if (claimKey) this.#claimNodes.set(claimKey, nodeName);
    const ready = this.readiness({ namespace, name, ordinal, statefulSet, template, freshVolumes });
    const startedAt = new Date().toISOString();
    const pod = this.#create('pods', namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: {
          ...template.metadata?.labels,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(ordinal),
          'controller-revision-hash': `${statefulSet.metadata.name}-${hash}`,
        },
        annotations: { ...template.metadata?.annotations },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSet.metadata.name, uid: statefulSet.metadata.uid, controller: true }],
      },
      spec: { ...template.spec, volumes: [...(template.spec?.volumes ?? []), ...claimVolumes], nodeName, hostname: name, subdomain: statefulSet.spec.serviceName },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: ((template.spec?.containers ?? []) as KubeDoc[]).map((container) => ({
          name: container.name,
          image: container.image ?? '',
          imageID: '',
          ready,
          started: true,
          restartCount: 0,
          state: { running: { startedAt } },
        })),
      },
    });
    this.#readyOnStart.set(pod.metadata.uid, ready);
    this.#startContainer(pod);
  }
}

// ---- helpers ----

interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
}

function podEvent(event: PodEvent['event'], pod: KubeDoc): PodEvent {
  const revision = pod.metadata.annotations?.['warren.dev/template-revision'];
  return { event, namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, ...(revision === undefined ? {} : { revision }) };
}

function key(resource: Resource, namespace: string, name: string): string {
  return resource === 'namespaces' ? name : `${namespace}/${name}`;
}

function status(): KubeDoc {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

function objectBody(request: RecordedRequest): KubeDoc {
  if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) throw new HttpError(400, 'BadRequest', 'the body must be a JSON object');
  return request.body as KubeDoc;
}

/** Only JSON merge patches (RFC 7386) are served: anything else is refused as a real API server would refuse a mismatch. */
function patchBody(request: RecordedRequest): unknown {
  if (request.contentType?.split(';')[0]?.trim() !== 'application/merge-patch+json') {
    throw new HttpError(415, 'UnsupportedMediaType', `the fake serves only application/merge-patch+json patches, got ${request.contentType ?? 'none'}`);
  }
  return objectBody(request);
}

/** DeleteOptions from the query (what client-node sends) or the body (what kubectl sends). */
function deleteOptions(request: RecordedRequest): DeleteOptions {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as KubeDoc;
  const grace = request.query.gracePeriodSeconds ?? body.gracePeriodSeconds;
  const policy = request.query.propagationPolicy ?? body.propagationPolicy;
  return { ...(policy === undefined ? {} : { propagationPolicy: String(policy) }), ...(grace === undefined ? {} : { gracePeriodSeconds: Number(grace) }) };
}

/** What the API server does on write: defaults, and a Secret's stringData folded into data. */
function normalize(resource: Resource, doc: KubeDoc): KubeDoc {
  doc.metadata ??= {};
  if (resource === 'secrets' && doc.stringData) {
    doc.data = { ...doc.data };
    for (const [name, value] of Object.entries(doc.stringData as Record<string, string>)) doc.data[name] = Buffer.from(value).toString('base64');
    delete doc.stringData;
  }
  if (resource === 'statefulsets') {
    doc.spec ??= {};
    doc.spec.replicas ??= 1;
    doc.spec.podManagementPolicy ??= 'OrderedReady';
    doc.spec.updateStrategy ??= { type: 'RollingUpdate' };
  }
  return doc;
}

/** RFC 7386: objects merge key by key, null removes, anything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  // An array replaces the old one whole; a null field inside it decodes as unset (as the API server's decoding does).
  if (Array.isArray(patch)) return patch.map(withoutNulls);
  if (typeof patch !== 'object' || patch === null) return patch;
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/** Equality-based selectors: `a=b`, `a==b`, `a!=b`, `a` (exists), `!a`. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector.split(',').every((term) => {
    const part = term.trim();
    let match: RegExpExecArray | null;
    if ((match = /^([^!=]+)!=(.*)$/.exec(part))) return have[match[1]!.trim()] !== match[2]!.trim();
    if ((match = /^([^!=]+)==?(.*)$/.exec(part))) return have[match[1]!.trim()] === match[2]!.trim();
    if (part.startsWith('!')) return !(part.slice(1) in have);
    return part === '' || part in have;
  });
}

function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels).map(([name, value]) => `${name}=${value}`).join(',');
}

/** Running and Ready, and not terminating (the controller's isHealthy). */
function isHealthy(pod: KubeDoc): boolean {
  return isReady(pod) && !pod.metadata.deletionTimestamp;
}

function isReady(pod: KubeDoc): boolean {
  const statuses = (pod.status?.containerStatuses ?? []) as KubeDoc[];
  return statuses.length > 0 && statuses.every((status) => status.ready === true);
}

/** The controller-revision-hash: the template's content, independent of key order. */
function templateHash(template: unknown): string {
  return createHash('sha256').update(canonical(template)).digest('hex').slice(0, 10);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

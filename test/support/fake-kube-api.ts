import { KubeConfig } from '@kubernetes/client-node';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process Kubernetes API server for contract tests: just the REST endpoints src/platforms/kind/kube-objects.ts
 * uses, a record of every request, and a tiny StatefulSet controller good enough for the platform's waits.
 * Deletion is immediate (no grace period is waited out) and readiness is decided by the test.
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
}

export type Resource = 'namespaces' | 'secrets' | 'configmaps' | 'services' | 'statefulsets' | 'pods' | 'persistentvolumeclaims';

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
}

const TOKEN = 'fake-token-for-contract-tests';
const NAMESPACED = new Set<Resource>(['secrets', 'configmaps', 'services', 'statefulsets', 'pods', 'persistentvolumeclaims']);
const KINDS: Record<Resource, string> = {
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
  readiness: (pod: PodInfo) => boolean;
  readonly #server: Server;
  readonly #token: string;
  readonly #journal: string[] | undefined;
  readonly #store = new Map<Resource, Map<string, KubeDoc>>();
  readonly #logs = new Map<string, { current?: string; previous?: string }>();
  #resourceVersion = 1;

  private constructor(server: Server, options: FakeKubeApiOptions) {
    this.#server = server;
    this.#token = options.token ?? TOKEN;
    this.#journal = options.journal;
    this.readiness = options.readiness ?? (() => true);
    for (const resource of Object.keys(KINDS) as Resource[]) this.#store.set(resource, new Map());
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

  hasPod(namespace: string, name: string): boolean {
    return this.get('pods', namespace, name) !== undefined;
  }

  /** The container log `kubectl logs` (or `-p`, previous) returns for a pod, until the pod is deleted. */
  setPodLog(namespace: string, pod: string, text: string, options: { previous?: boolean } = {}): void {
    const logs = this.#logs.get(`${namespace}/${pod}`) ?? {};
    logs[options.previous ? 'previous' : 'current'] = text;
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
    const record: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query, contentType, body, status: 0 };
    this.requests.push(record);
    const line = `${record.method} ${record.path}${url.search}`;
    // Pod polling and log reads would drown the journal: it keeps what acts on the cluster.
    if (record.method !== 'GET' || !/\/(pods|log)$/.test(record.path)) this.#journal?.push(decodeURIComponent(line));
    try {
      if (request.headers.authorization !== `Bearer ${this.#token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
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
      response.writeHead(failure.code, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code: failure.code }));
    }
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
        this.#mustGet('namespaces', '', name);
        this.#deleteNamespace(name);
        return status();
      }
    }
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
      this.#bump(statefulSet);
      this.#reconcile(namespace);
    } else if (request.method !== 'GET') {
      throw new HttpError(405, 'MethodNotAllowed', `${request.method} on statefulsets/${name}/scale`);
    }
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace, uid: statefulSet.metadata.uid, resourceVersion: statefulSet.metadata.resourceVersion },
      spec: { replicas: statefulSet.spec.replicas },
      status: { replicas: this.#podsOf(statefulSet).size },
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
      if (!this.get('namespaces', '', namespace)) throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`);
      if (doc.metadata.namespace !== undefined && doc.metadata.namespace !== namespace) {
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
    }
    if (this.get(resource, namespace, name)) throw new HttpError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
    const stored = normalize(resource, structuredClone(doc));
    stored.metadata = {
      ...stored.metadata,
      ...(NAMESPACED.has(resource) ? { namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
    };
    this.#bump(stored);
    this.#store.get(resource)!.set(key(resource, namespace, name), stored);
    if (resource === 'pods') this.podEvents.push(podEvent('created', stored));
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
    }
    this.#bump(stored);
    this.#store.get(resource)!.set(key(resource, namespace, name), stored);
    return stored;
  }

  #delete(resource: Resource, namespace: string, name: string, options: DeleteOptions): void {
    const doc = this.get(resource, namespace, name);
    if (!doc) return;
    this.#store.get(resource)!.delete(key(resource, namespace, name));
    if (resource === 'pods') {
      this.#logs.delete(`${namespace}/${name}`);
      this.podEvents.push(podEvent('deleted', doc));
    }
    if (resource === 'statefulsets') {
      for (const pod of this.list('pods', namespace)) {
        if (!(pod.metadata.ownerReferences ?? []).some((owner: KubeDoc) => owner.uid === doc.metadata.uid)) continue;
        if (options.propagationPolicy === 'Orphan') delete pod.metadata.ownerReferences;
        else this.#delete('pods', namespace, pod.metadata.name, {});
      }
    }
  }

  #deleteNamespace(name: string): void {
    this.#store.get('namespaces')!.delete(key('namespaces', '', name));
    for (const resource of NAMESPACED) for (const doc of this.list(resource, name)) this.#store.get(resource)!.delete(key(resource, name, doc.metadata.name));
    for (const logKey of [...this.#logs.keys()]) if (logKey.startsWith(`${name}/`)) this.#logs.delete(logKey);
  }

  #bump(doc: KubeDoc): void {
    doc.metadata.resourceVersion = String(++this.#resourceVersion);
  }

  // ---- the StatefulSet controller ----

  #reconcile(namespace: string): void {
    for (let round = 0; round < 100; round++) if (!this.#reconcileOnce(namespace)) return;
    throw new Error('fake StatefulSet controller did not settle');
  }

  #podsOf(statefulSet: KubeDoc): Map<number, KubeDoc> {
    const pods = new Map<number, KubeDoc>();
    const pattern = new RegExp(`^${statefulSet.metadata.name}-(\\d+)$`);
    for (const pod of this.list('pods', statefulSet.metadata.namespace)) {
      const match = pattern.exec(pod.metadata.name);
      if (match && matchesSelector(pod.metadata.labels, selectorString(statefulSet.spec.selector?.matchLabels ?? {}))) pods.set(Number(match[1]), pod);
    }
    return pods;
  }

  /** One step of the controller; true if it changed something. */
  #reconcileOnce(namespace: string): boolean {
    for (const statefulSet of this.list('statefulsets', namespace)) {
      const replicas: number = statefulSet.spec.replicas ?? 1;
      const ordered = statefulSet.spec.podManagementPolicy !== 'Parallel';
      const hash = templateHash(statefulSet.spec.template);
      const pods = this.#podsOf(statefulSet);
      // Adoption: an orphaned pod the selector matches belongs to the (new) StatefulSet.
      for (const pod of pods.values()) {
        if (!pod.metadata.ownerReferences) pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSet.metadata.name, uid: statefulSet.metadata.uid, controller: true }];
      }
      const surplus = [...pods.keys()].filter((ordinal) => ordinal >= replicas).sort((a, b) => b - a);
      if (surplus.length > 0) {
        for (const ordinal of ordered ? surplus.slice(0, 1) : surplus) this.#delete('pods', namespace, pods.get(ordinal)!.metadata.name, {});
        return true;
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
        // OrderedReady: the next pod is created only once every lower one is ready.
        if (ordered && !isReady(pod)) break;
      }
      if (created) return true;
      if ((statefulSet.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') continue;
      // RollingUpdate: once every pod is there and ready, the highest outdated one is replaced.
      const all = Array.from({ length: replicas }, (_, ordinal) => pods.get(ordinal));
      if (all.some((pod) => pod === undefined || !isReady(pod))) continue;
      const outdated = all.filter((pod) => pod!.metadata.labels?.['controller-revision-hash'] !== `${statefulSet.metadata.name}-${hash}`);
      const next = outdated.at(-1);
      if (next) {
        this.#delete('pods', namespace, next.metadata.name, {});
        return true;
      }
    }
    return false;
  }

  #createPod(statefulSet: KubeDoc, ordinal: number, hash: string): void {
    const namespace: string = statefulSet.metadata.namespace;
    const name = `${statefulSet.metadata.name}-${ordinal}`;
    const template: KubeDoc = structuredClone(statefulSet.spec.template ?? {});
    let freshVolumes = false;
    for (const claim of (statefulSet.spec.volumeClaimTemplates ?? []) as KubeDoc[]) {
      const claimName = `${claim.metadata.name}-${name}`;
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
    const ready = this.readiness({ namespace, name, ordinal, statefulSet, template, freshVolumes });
    const startedAt = new Date().toISOString();
    this.#create('pods', namespace, {
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
      spec: { ...template.spec, hostname: name, subdomain: statefulSet.spec.serviceName },
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

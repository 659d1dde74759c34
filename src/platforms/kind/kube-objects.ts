import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  type V1Lease,
  type V1Node,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Namespace,
  type V1Pod,
  type V1Secret,
  type V1Service,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { EnvironmentError } from '../../common/errors.js';
import { sleep, waitFor } from '../../common/wait.js';

/**
 * The Kubernetes objects of one run, through @kubernetes/client-node. Everything is namespaced to the run's
 * namespace and every list or bulk delete is filtered by the run's label: warren never touches anything else.
 * Deletes are idempotent (404 is success), as a teardown after a half-finished install needs.
 */
export class KubeObjects {
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #coordination: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
    /** `key=value` of the run label: the selector for every list and collection delete. */
    readonly runSelector: string,
  ) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#apps = kubeConfig.makeApiClient(AppsV1Api);
    this.#coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async createNamespace(body: V1Namespace): Promise<void> {
    await ignoreConflict(this.#core.createNamespace({ body }));
  }

  async deleteNamespace(): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespace({ name: this.namespace }));
  }

  /**
   * Deletes the namespace and waits until the API answers 404 for it: only then are its Services gone and their
   * NodePorts free for the next drill (a delete only starts the namespace controller's work: pods terminate first).
   * Throws TimeoutError after `timeoutMs`.
   */
  async deleteNamespaceAndWait(timeoutMs: number): Promise<void> {
    await this.deleteNamespace();
    await waitFor(`namespace ${this.namespace} gone`, async () => this.#core.readNamespace({ name: this.namespace }).then(() => false, (error) => (isStatus(error, 404) ? true : Promise.reject(error))), { timeoutMs, intervalMs: 500 });
  }

  async createSecret(body: V1Secret): Promise<void> {
    await this.#core.createNamespacedSecret({ namespace: this.namespace, body });
  }

  async replaceSecret(body: V1Secret): Promise<void> {
    await this.#core.replaceNamespacedSecret({ name: body.metadata!.name!, namespace: this.namespace, body });
  }

  async createConfigMap(body: V1ConfigMap): Promise<void> {
    await this.#core.createNamespacedConfigMap({ namespace: this.namespace, body });
  }

  /**
   * Creates a Service, retrying for up to `portWaitMs` (default 60 s) while the API server says one of its NodePorts
   * "is already allocated": NodePorts are cluster-wide and a deleted Service's port is not always free at once
   * (kubernetes/kubernetes#89042, the same error on a RabbitMQ AMQP Service). Throws EnvironmentError at once when a
   * live Service in another namespace holds the port (a drill kept with --keep: waiting cannot help); where listing
   * Services cluster-wide is forbidden (403, an RBAC-limited `--context`), it cannot tell and keeps waiting.
   * @throws RunInterruptedError when `signal` aborts between attempts (Ctrl-C); any other API error as it comes.
   */
  async createService(body: V1Service, options: { signal?: AbortSignal; portWaitMs?: number } = {}): Promise<void> {
    const portWaitMs = options.portWaitMs ?? 60_000;
    const deadline = Date.now() + portWaitMs;
    for (;;) {
      try {
        await this.#core.createNamespacedService({ namespace: this.namespace, body });
        return;
      } catch (error) {
        if (!(isStatus(error, 422) && /provided port is already allocated/.test(bodyText(error)))) throw error;
        const holder = await this.#liveNodePortHolder(body);
        if (holder === 'forbidden' && Date.now() >= deadline) {
          throw new EnvironmentError(`kind platform: a NodePort of Service ${body.metadata?.name ?? ''} was still allocated after ${portWaitMs / 1000} s, and this user may not list Services cluster-wide (403) to name who holds it (a drill kept with --keep?)`);
        }
        if (holder !== undefined && holder !== 'forbidden') throw new EnvironmentError(`kind platform: NodePort ${holder.nodePort} is held by Service ${holder.name} in namespace ${holder.namespace} (a drill kept with --keep?); delete that namespace first`);
        if (Date.now() >= deadline) throw error;
        await sleep(250, options.signal);
      }
    }
  }

  /** A Service of another namespace, not being deleted, that holds one of `service`'s NodePorts; 'forbidden' where listing them is. */
  async #liveNodePortHolder(service: V1Service): Promise<{ nodePort: number; namespace: string; name: string } | 'forbidden' | undefined> {
    const wanted = new Set((service.spec?.ports ?? []).map((port) => port.nodePort).filter((port): port is number => port !== undefined));
    const services = await this.#core.listServiceForAllNamespaces().catch((error: unknown) => (isStatus(error, 403) ? undefined : Promise.reject(error)));
    if (services === undefined) return 'forbidden';
    for (const other of services.items) {
      const namespace = other.metadata?.namespace ?? '';
      const nodePort = (other.spec?.ports ?? []).map((port) => port.nodePort).find((port) => port !== undefined && wanted.has(port));
      if (nodePort === undefined || namespace === this.namespace) continue;
      const owner = await this.#core.readNamespace({ name: namespace }).catch(() => undefined);
      if (owner && !owner.metadata?.deletionTimestamp) return { nodePort, namespace, name: other.metadata?.name ?? '' };
    }
    return undefined;
  }

  async createStatefulSet(body: V1StatefulSet): Promise<void> {
    await this.#apps.createNamespacedStatefulSet({ namespace: this.namespace, body });
  }

  async readStatefulSet(name: string): Promise<V1StatefulSet> {
    return this.#apps.readNamespacedStatefulSet({ name, namespace: this.namespace });
  }

  /** A JSON merge patch (RFC 7386): `kubectl patch --type merge`. */
  async patchStatefulSet(name: string, patch: object): Promise<void> {
    await this.#apps.patchNamespacedStatefulSet({ name, namespace: this.namespace, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  async scaleStatefulSet(name: string, replicas: number): Promise<void> {
    await this.#apps.patchNamespacedStatefulSetScale(
      { name, namespace: this.namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /**
   * Deletes the StatefulSet. 'Orphan' keeps its pods (to recreate it with another podManagementPolicy, an
   * immutable field); 'Background' lets the garbage collector delete every pod at once (Helm 3's uninstall).
   */
  async deleteStatefulSet(name: string, propagationPolicy: 'Orphan' | 'Background'): Promise<void> {
    await ignoreNotFound(this.#apps.deleteNamespacedStatefulSet({ name, namespace: this.namespace, propagationPolicy }));
  }

  /**
   * Deletes the StatefulSet keeping its pods, and waits until it is gone (to create it again with other immutable
   * fields). Up to 5 min: right after a Kubernetes restart the garbage collector must first sync again.
   */
  async deleteStatefulSetOrphaningPods(name: string, signal: AbortSignal): Promise<void> {
    await this.deleteStatefulSet(name, 'Orphan');
    await waitFor('the StatefulSet deleted (pods orphaned)', async () => !(await this.readStatefulSet(name).then(() => true, () => false)), { timeoutMs: 300_000, intervalMs: 500, signal });
  }

  async deleteService(name: string): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespacedService({ name, namespace: this.namespace }));
  }

  async deleteConfigMap(name: string): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespacedConfigMap({ name, namespace: this.namespace }));
  }

  async deleteSecret(name: string): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespacedSecret({ name, namespace: this.namespace }));
  }

  async listPods(): Promise<V1Pod[]> {
    return (await this.#core.listNamespacedPod({ namespace: this.namespace, labelSelector: this.runSelector })).items;
  }

  /** `kubectl delete pod` (grace period as given; 0 with the pods' kill -9 semantics). */
  async deletePod(name: string, gracePeriodSeconds?: number): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespacedPod({ name, namespace: this.namespace, ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) }));
  }

  /**
   * Every pod of the run at once: `kubectl delete pods -l <run>` with the pods' own grace period, or
   * `--grace-period=0 --force` with 0 (the API objects go at once; kubelet still stops the containers gracefully).
   */
  async deleteAllPods(gracePeriodSeconds?: number): Promise<void> {
    await this.#core.deleteCollectionNamespacedPod({ namespace: this.namespace, labelSelector: this.runSelector, ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) });
  }

  /** Every node of the cluster (read only: whether each is Ready after a restart). */
  async listNodes(): Promise<V1Node[]> {
    return (await this.#core.listNode()).items;
  }

  /** CoreDNS's pods (kube-system, `k8s-app=kube-dns`, the label kubeadm gives them; read only). */
  async listCoreDnsPods(): Promise<V1Pod[]> {
    return (await this.#core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
  }

  /**
   * The kubelets' heartbeats (kube-node-lease, one Lease per node, renewed every 10 s; read only). A Node's Ready
   * condition outlives a stopped kubelet for the node monitor's grace period: a lease renewed after a restart is the
   * proof that the kubelet is back.
   */
  async listNodeLeases(): Promise<V1Lease[]> {
    return (await this.#coordination.listNamespacedLease({ namespace: 'kube-node-lease' })).items;
  }

  async deletePersistentVolumeClaims(): Promise<void> {
    await this.#core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: this.namespace, labelSelector: this.runSelector });
  }

  async listPersistentVolumeClaimNames(): Promise<string[]> {
    return (await this.#core.listNamespacedPersistentVolumeClaim({ namespace: this.namespace, labelSelector: this.runSelector })).items.map((pvc) => pvc.metadata?.name ?? '');
  }

  /** The container's log; `previous` is the last terminated instance (what `kubectl logs -p` shows). */
  async podLog(name: string, container: string, previous: boolean): Promise<string> {
    try {
      return await this.#core.readNamespacedPodLog({ name, namespace: this.namespace, container, previous });
    } catch (error) {
      if (isStatus(error, 400) || isStatus(error, 404)) return '';
      throw error;
    }
  }
}

function bodyText(error: unknown): string {
  const body = error instanceof ApiException ? (error.body as unknown) : undefined;
  return typeof body === 'string' ? body : JSON.stringify(body ?? '');
}

export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

async function ignoreNotFound(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}

async function ignoreConflict(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}

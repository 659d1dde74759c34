import {
  ApiException,
  AppsV1Api,
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
import { waitFor } from '../../common/wait.js';

/**
 * The Kubernetes objects of one run, through @kubernetes/client-node. Everything is namespaced to the run's
 * namespace and every list or bulk delete is filtered by the run's label: warren never touches anything else.
 * Deletes are idempotent (404 is success), as a teardown after a half-finished install needs.
 */
export class KubeObjects {
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
    /** `key=value` of the run label: the selector for every list and collection delete. */
    readonly runSelector: string,
  ) {
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  async createNamespace(body: V1Namespace): Promise<void> {
    await ignoreConflict(this.#core.createNamespace({ body }));
  }

  async deleteNamespace(): Promise<void> {
    await ignoreNotFound(this.#core.deleteNamespace({ name: this.namespace }));
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

  async createService(body: V1Service): Promise<void> {
    await this.#core.createNamespacedService({ namespace: this.namespace, body });
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

  /** Deletes the StatefulSet keeping its pods, and waits until it is gone (to create it again with other immutable fields). */
  async deleteStatefulSetOrphaningPods(name: string, signal: AbortSignal): Promise<void> {
    await this.deleteStatefulSet(name, 'Orphan');
    await waitFor('the StatefulSet deleted (pods orphaned)', async () => !(await this.readStatefulSet(name).then(() => true, () => false)), { timeoutMs: 60_000, intervalMs: 500, signal });
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

  /** Every pod of the run at once: `kubectl delete pods -l <run> --grace-period=0 --force`. */
  async deleteAllPods(gracePeriodSeconds: number): Promise<void> {
    await this.#core.deleteCollectionNamespacedPod({ namespace: this.namespace, labelSelector: this.runSelector, gracePeriodSeconds });
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

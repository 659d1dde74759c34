import type { PodPhase, StartPolicy } from '../../core/platform.js';

/** Just what the controller needs of a pod. */
export interface ControlledPod {
  readonly phase: PodPhase;
  /** The template revision the pod was created from. */
  readonly revision: number;
  start(): void;
  delete(mode: 'graceful' | 'kill'): Promise<void>;
}

/**
 * The StatefulSet controller, emulated: it owns the pods' existence and their template revision.
 * - OrderedReady creates pod i+1 only once pods 0..i are ready, so after a full restart pod-0 waiting for its
 *   peers blocks everything, as in the field notes. Parallel creates every missing pod at once.
 * - RollingUpdate (after a template change) replaces pods from the highest ordinal down, one at a time, each
 *   only once the pods above it are ready again. As in Kubernetes, under OrderedReady an unready pod stops the
 *   controller before it gets there: a pod stuck on a bad revision must be deleted by hand.
 */
export class StatefulSetController<P extends ControlledPod = ControlledPod> {
  #replicas = 0;
  #revision = 1;
  #replacing: number | undefined;
  readonly #pods: (P | undefined)[];

  constructor(
    readonly size: number,
    private policy: StartPolicy,
    private readonly createPod: (ordinal: number, revision: number) => P,
  ) {
    this.#pods = Array.from({ length: size }, () => undefined);
  }

  get startPolicy(): StartPolicy {
    return this.policy;
  }

  get revision(): number {
    return this.#revision;
  }

  pod(ordinal: number): P | undefined {
    return this.#pods[ordinal];
  }

  setPolicy(policy: StartPolicy): void {
    this.policy = policy;
    this.reconcile();
  }

  scale(replicas: number): void {
    this.#replicas = replicas;
    this.reconcile();
  }

  /**
   * The pod template's revision changed: pods created from now on get it, existing ones are rolled. A template
   * reverted to earlier content gets that earlier revision back (Kubernetes names revisions by a hash of the
   * template), so pods that never left it are not restarted.
   */
  setRevision(revision: number): void {
    this.#revision = revision;
    this.reconcile();
  }

  /** Called on every pod change. */
  reconcile(): void {
    for (let ordinal = 0; ordinal < this.#replicas; ordinal++) {
      const pod = this.#pods[ordinal];
      if (!pod) {
        const created = this.createPod(ordinal, this.#revision);
        this.#pods[ordinal] = created;
        created.start();
        if (this.policy === 'OrderedReady') return;
        continue;
      }
      if (this.policy === 'OrderedReady' && pod.phase !== 'ready') return;
    }
    this.#rollingUpdate();
  }

  /** Deletes one pod; the controller recreates it if the StatefulSet still wants it. */
  async deletePod(ordinal: number, mode: 'graceful' | 'kill'): Promise<void> {
    const pod = this.#pods[ordinal];
    if (!pod) return;
    await pod.delete(mode);
    if (this.#pods[ordinal] === pod) this.#pods[ordinal] = undefined;
    this.reconcile();
  }

  #rollingUpdate(): void {
    if (this.#replacing !== undefined) return;
    for (let ordinal = this.#replicas - 1; ordinal >= 0; ordinal--) {
      const pod = this.#pods[ordinal];
      if (!pod) return;
      // A pod already on its way out is not deleted twice (Kubernetes skips terminating pods too).
      if (pod.revision !== this.#revision && pod.phase !== 'terminating') {
        this.#replacing = ordinal;
        void this.deletePod(ordinal, 'graceful').finally(() => {
          this.#replacing = undefined;
          this.reconcile();
        });
        return;
      }
      if (pod.phase !== 'ready') return;
    }
  }
}

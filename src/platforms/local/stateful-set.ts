import type { StartPolicy } from '../platform.js';
import type { Pod } from './pod.js';

/**
 * The StatefulSet controller, emulated: it owns the pods' existence. With OrderedReady it creates pod i+1
 * only once pods 0..i are ready, so after a full restart pod-0 waiting for its peers blocks everything, as in
 * the field notes. With Parallel it creates every missing pod at once.
 */
export class StatefulSetController {
  #replicas = 0;
  readonly #pods: (Pod | undefined)[];

  constructor(
    readonly size: number,
    private policy: StartPolicy,
    private readonly createPod: (ordinal: number) => Pod,
  ) {
    this.#pods = Array.from({ length: size }, () => undefined);
  }

  get startPolicy(): StartPolicy {
    return this.policy;
  }

  pod(ordinal: number): Pod | undefined {
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

  /** Called on every pod change. */
  reconcile(): void {
    for (let ordinal = 0; ordinal < this.#replicas; ordinal++) {
      const pod = this.#pods[ordinal];
      if (!pod) {
        const created = this.createPod(ordinal);
        this.#pods[ordinal] = created;
        created.start();
        if (this.policy === 'OrderedReady') return;
        continue;
      }
      if (this.policy === 'OrderedReady' && pod.phase !== 'ready') return;
    }
  }

  /** Deletes one pod; the controller recreates it if the StatefulSet still wants it. */
  async deletePod(ordinal: number, mode: 'graceful' | 'kill'): Promise<void> {
    const pod = this.#pods[ordinal];
    if (!pod) return;
    await pod.delete(mode);
    if (this.#pods[ordinal] === pod) this.#pods[ordinal] = undefined;
    this.reconcile();
  }
}

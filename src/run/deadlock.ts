import type { PodStatus, StartPolicy } from '../core/platform.js';
import type { Diagnosis } from '../core/journal.js';

/** The diagnosis name of a start-order deadlock. */
export const ORDERED_READY_DEADLOCK = 'ordered-ready-deadlock';

/**
 * Proof that waiting longer cannot help: under OrderedReady, with no pod ready, the controller creates no
 * further pod; if every pod it did create has failed a whole boot since the method was applied, the next boot
 * meets exactly the same situation. (Under Parallel a later boot can succeed, so only the deadline decides.)
 * Returned as the `ordered-ready-deadlock` diagnosis (source: the cluster's shape), its evidence the pods' state.
 */
export function orderedReadyDeadlock(policy: StartPolicy, now: PodStatus[], baseline: PodStatus[]): Diagnosis | undefined {
  if (policy !== 'OrderedReady') return undefined;
  if (now.some((pod) => pod.phase === 'ready')) return undefined;
  const created = now.filter((pod) => pod.phase !== 'absent');
  const absent = now.filter((pod) => pod.phase === 'absent');
  if (created.length === 0 || absent.length === 0) return undefined;
  const failedAgain = created.every((pod) => pod.bootFailures > (baseline.find((b) => b.ordinal === pod.ordinal)?.bootFailures ?? 0));
  if (!failedAgain) return undefined;
  const failing = created.map((pod) => `pod ${pod.ordinal} failed to boot ${pod.bootFailures}× (restarts ${pod.restarts})`).join(', ');
  return {
    signature: ORDERED_READY_DEADLOCK,
    meaning: 'under OrderedReady no pod is ready, so the StatefulSet controller never starts the pods the first one waits for',
    source: 'cluster',
    node: 'StatefulSet',
    count: 1,
    evidence: `deadlock under OrderedReady: ${failing}; pods ${absent.map((pod) => pod.ordinal).join(', ')} are never started while no pod is ready`,
  };
}

/** Every pod there is has either booted or failed a boot since the method was applied: nothing is mid-boot. */
export function podsSettled(pods: PodStatus[], baseline: PodStatus[]): boolean {
  return pods.every((pod) => {
    if (pod.phase === 'absent') return true;
    if (pod.phase === 'terminating') return false;
    const before = baseline.find((b) => b.ordinal === pod.ordinal)?.bootFailures ?? 0;
    return pod.booted || pod.bootFailures > before;
  });
}

import { diagnose, LOG_SIGNATURES } from '../checks/log-signatures.js';
import type { Diagnosis } from '../core/journal.js';
import type { PodStatus } from '../core/platform.js';

/** The signatures after which a node refuses every boot the same way (see LogSignature.refusesEveryBoot). */
const EVERY_BOOT = LOG_SIGNATURES.filter((signature) => signature.refusesEveryBoot);

/**
 * Proof that waiting cannot help: a pod meant to serve has failed a boot again since the method was applied, and its
 * log names, more often than it did then, a refusal it repeats on every boot of its image on this data (a feature
 * flag it requires, or one it cannot enable: an upgrade RabbitMQ refuses). Only a change (the image, the data, the
 * peers' feature flags) changes that, and the method had its chance to make it. Counted, not cut at an offset: a
 * pod's log is several files read as one.
 * @param logs each pod's node log now, by ordinal (only the failing pods' are read).
 * @param logsAtMethod the same when the method was applied.
 * @returns the refusal's diagnoses (one per pod and signature), empty when there is no such proof.
 */
export function everyBootRefused(now: PodStatus[], baseline: PodStatus[], logs: ReadonlyMap<number, string>, logsAtMethod: ReadonlyMap<number, string> = new Map()): Diagnosis[] {
  return podsFailedAgain(now, baseline).flatMap((pod) => {
    const before = diagnose(pod.nodeName, logsAtMethod.get(pod.ordinal) ?? '', { signatures: EVERY_BOOT });
    return diagnose(pod.nodeName, logs.get(pod.ordinal) ?? '', { signatures: EVERY_BOOT }).filter(
      (found) => found.count > (before.find((earlier) => earlier.signature === found.signature)?.count ?? 0),
    );
  });
}

/** The pods everyBootRefused would read the logs of: not ready, failed again since `baseline`. */
export function podsFailedAgain(now: PodStatus[], baseline: PodStatus[]): PodStatus[] {
  return now.filter((pod) => pod.phase !== 'ready' && pod.bootFailures > (baseline.find((b) => b.ordinal === pod.ordinal)?.bootFailures ?? 0));
}

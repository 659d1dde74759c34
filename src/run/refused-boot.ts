import { diagnose, LOG_SIGNATURES } from '../checks/log-signatures.js';
import type { Diagnosis } from '../core/journal.js';
import type { PodStatus } from '../core/platform.js';

/** The signatures after which a node refuses every boot the same way (see LogSignature.refusesEveryBoot). */
const EVERY_BOOT = LOG_SIGNATURES.filter((signature) => signature.refusesEveryBoot);

/**
 * Proof that waiting cannot help: a pod meant to serve has failed a boot again since the method was applied, and
 * what its log gained since then names a refusal it repeats on every boot of its image on this data (a feature flag
 * it requires, or one it cannot enable: an upgrade RabbitMQ refuses). Only a change (the image, the data, the peers'
 * feature flags) changes that, and the method had its chance to make it.
 * @param logs each pod's node log written since the method was applied, by ordinal (only the failing pods' are read).
 * @returns the refusal's diagnoses (one per pod and signature), empty when there is no such proof.
 */
export function everyBootRefused(now: PodStatus[], baseline: PodStatus[], logs: ReadonlyMap<number, string>): Diagnosis[] {
  return podsFailedAgain(now, baseline).flatMap((pod) => diagnose(pod.nodeName, logs.get(pod.ordinal) ?? '', { signatures: EVERY_BOOT }));
}

/** The pods everyBootRefused would read the logs of: not ready, failed again since `baseline`. */
export function podsFailedAgain(now: PodStatus[], baseline: PodStatus[]): PodStatus[] {
  return now.filter((pod) => pod.phase !== 'ready' && pod.bootFailures > (baseline.find((b) => b.ordinal === pod.ordinal)?.bootFailures ?? 0));
}

/** The part of a log written after it was `offset` characters long (all of it when it is shorter now: a new file). */
export function logSince(log: string, offset: number): string {
  return log.length >= offset ? log.slice(offset) : log;
}

import type { DrillContext } from '../core/drill-context.js';
import { need, type StartedCluster } from '../core/platform.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/** When each pod's process was seen gone, in ms from the start of the uninstall, in the order they went. */
export interface PodStop {
  ordinal: number;
  atMs: number;
}

/** How often the pods are looked at while they stop: fine enough to order nodes that stop ~1 s apart (3.10). */
const POLL_MS = 10;

/**
 * Helm 3's `helm uninstall` followed by `helm install` of the same release on the kept PVCs, with the same Secret
 * (same Erlang cookie, same password: the values were kept, unlike mismatched-cookie).
 *
 * Helm 3 deletes the StatefulSet and the garbage collector deletes every pod at once (Kubernetes' cascading
 * deletion; Helm 2's `helm del` scaled it to 0 first, see mismatched-cookie). All nodes get SIGTERM together, so which
 * node stops last is a race. On Mnesia only the node that stopped last may boot alone; under OrderedReady pod 0 must,
 * so whether the reinstall comes back depends on the race. Run it with `--repeat` ("recovered k of N").
 *
 * The stop order is recorded as evidence, from the platform's view of each pod's process (polled every 10 ms;
 * pods seen gone in the same poll are listed together).
 */
export class Helm3ReinstallRaceFault implements Fault {
  readonly name = 'helm3-reinstall-race';
  readonly description = 'helm uninstall (Helm 3: every pod deleted at once, PVCs kept) then helm install with the same Secret';
  readonly requires = ['release'] as const;

  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(context.cluster, 'release');
    context.mark('helm uninstall: StatefulSet deleted, every pod terminated at once; PVCs kept');
    const stops = await watchStops(context.cluster, () => cluster.uninstall({ volumes: 'keep', termination: 'at-once' }));
    const order = stopOrderText(stops);
    context.addEvidence(`stop order after helm uninstall: ${order}`);
    context.mark(`every pod stopped: ${order}`);
    context.mark('helm install with the same Secret (same cookie, same password)');
    await cluster.install({ credentials: context.cluster.credentials });
    return irreversible;
  }
}

/**
 * Runs `stop` and looks at the pods every 10 ms until it resolves, noting when each was first seen absent.
 * A pod not seen absent by then is noted at the moment `stop` resolved.
 * @throws whatever `stop` throws.
 */
export async function watchStops(cluster: Pick<StartedCluster, 'status'>, stop: () => Promise<void>): Promise<PodStop[]> {
  const started = Date.now();
  const seen = new Map<number, number>();
  const look = (): void => {
    const atMs = Date.now() - started; // one time per poll: pods seen gone together are listed together
    for (const pod of cluster.status()) if (pod.phase === 'absent' && !seen.has(pod.ordinal)) seen.set(pod.ordinal, atMs);
  };
  const timer = setInterval(look, POLL_MS);
  try {
    await stop();
  } finally {
    clearInterval(timer);
  }
  look();
  const end = Date.now() - started;
  for (const pod of cluster.status()) if (!seen.has(pod.ordinal)) seen.set(pod.ordinal, end);
  return [...seen].map(([ordinal, atMs]) => ({ ordinal, atMs })).sort((a, b) => a.atMs - b.atMs || a.ordinal - b.ordinal);
}

/**
 * `pod 1 +0.84 s, pod 0 +0.91 s, pod 2 +1.02 s: pod 2 stopped last`, or `…: pods 0, 2 stopped last (same 10 ms poll)`
 * when the last ones were seen gone together.
 */
export function stopOrderText(stops: readonly PodStop[]): string {
  if (stops.length === 0) return 'no pod';
  const list = stops.map((stop) => `pod ${stop.ordinal} +${(stop.atMs / 1000).toFixed(2)} s`).join(', ');
  const lastAt = stops[stops.length - 1]!.atMs;
  const last = stops.filter((stop) => stop.atMs === lastAt).map((stop) => stop.ordinal);
  return `${list}: ${last.length === 1 ? `pod ${last[0]} stopped last` : `pods ${last.join(', ')} stopped last (same ${POLL_MS} ms poll)`}`;
}

import { need, type PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Recovery } from './recovery.js';

/**
 * The field notes' prevention advice used as a cure: put the original Erlang cookie and password back (pass
 * them with --set, as every install and upgrade should have). With a reinstall the release is deleted and
 * installed again with them; with a rolling upgrade the release is upgraded back, and the pods that already
 * run the bad revision are deleted, because under OrderedReady a StatefulSet does not replace a pod that never
 * became ready (under Parallel its rolling update would, and the delete changes nothing).
 */
export class RestoreCredentialsRecovery implements Recovery {
  readonly name = 'restore-credentials';
  readonly description = 'put the original Erlang cookie and password back into the Secret and restart what runs with the wrong one';
  readonly requires = ['release', 'statefulset'] as const;
  readonly wipesData = false;

  mechanism(platform: PlatformName): string {
    const release = platform === 'local' ? 'the emulated release' : 'the Helm release';
    return `${release} gets the original cookie and password back (helm delete + helm install --set auth.erlangCookie=… --set auth.password=…, or helm upgrade with them); pods stuck on the bad revision are deleted`;
  }

  async apply(context: DrillContext): Promise<void> {
    const cluster = need(need(context.cluster, 'release'), 'statefulset');
    const original = cluster.spec.credentials;
    const running = cluster.status().filter((pod) => pod.phase !== 'absent');
    const everyPodOnCurrentRevision = running.every((pod) => pod.revision === cluster.revision());
    if (everyPodOnCurrentRevision) {
      // The whole release runs with the wrong Secret: delete it (keeping the volumes) and install it right.
      context.mark('helm del (volumes kept)');
      await cluster.uninstall({ volumes: 'keep', termination: 'scale-down' });
      context.mark('helm install with the original cookie and password');
      await cluster.install({ credentials: original });
      return;
    }
    context.mark('helm upgrade with the original cookie and password');
    await cluster.upgrade({ credentials: original });
    const bad = cluster.status().filter((pod) => pod.phase !== 'absent' && pod.revision !== cluster.revision() && pod.phase !== 'ready');
    for (const pod of bad) {
      context.mark(`deleting pod ${pod.ordinal} (stuck on the bad revision)`);
      await cluster.deletePod(pod.ordinal);
    }
  }
}

import { ClusterCommandError } from '../common/errors.js';
import { sleep } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import { need, servingNodes, type PodStatus } from '../core/platform.js';
import { isUpgrade, RABBITMQ_SERIES, seriesOf, upgradePairsText, type RabbitMqInfo, type RabbitMqRelease, type RabbitMqSeries } from '../core/rabbitmq-release.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/** How long the rollout may take before the fault leaves it to the drill (each 3.10 boot takes ~10 s, 4.x ~2–5 s). */
const ROLLOUT_TIMEOUT_MS = 240_000;
/** Boot failures of one pod on the new image after which the rollout counts as stuck (the next ones meet the same data). */
const STUCK_AFTER_BOOT_FAILURES = 2;

/**
 * An upgrade: the StatefulSet's image changed to RabbitMQ `to` (3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3), on the same volumes, rolled out as Kubernetes does (RollingUpdate: highest ordinal first, the next once the others are
 * ready; under OrderedReady a pod that never gets ready stops the rollout). The fault resolves once the rollout has
 * finished (every pod ready on the new image) or is stuck (a pod on the new image failed to boot twice) or after
 * 240 s, with each pod's transitions as evidence; whether every node then serves on the new version is the drill's
 * verdict (with the scenario's `upgraded` check).
 */
export class UpgradeFault implements Fault {
  readonly name = 'upgrade';
  readonly description: string;
  readonly requires = ['image', 'statefulset'] as const;

  /** @param to the series the image is changed to. */
  constructor(readonly to: RabbitMqSeries) {
    this.description = `the StatefulSet's image changed to RabbitMQ ${to} (helm upgrade --set image.tag), rolled out on the same volumes`;
  }

  /** Not applicable unless the cluster runs a series older than `to` (a downgrade is not an upgrade). */
  notApplicable(rabbitmq: RabbitMqInfo): string | undefined {
    const series = rabbitmq.version === null ? undefined : seriesOf(rabbitmq.version);
    if (series === undefined) return `the node runs ${rabbitmq.version ?? 'an unknown version'}, not a series warren has (${RABBITMQ_SERIES.join(', ')})`;
    return isUpgrade(series, this.to) ? undefined : `the cluster runs ${rabbitmq.version}: not older than ${this.to}, nothing to upgrade`;
  }

  /** Refused before anything starts unless `release` is older than `to`: `valid pairs: 3.10 → 4.0, …`. */
  notApplicableOn(release: RabbitMqRelease): string | undefined {
    return isUpgrade(release.series, this.to) ? undefined : `no upgrade from ${release.series} to ${this.to}: warren drills upgrades only; valid pairs: ${upgradePairsText()}`;
  }

  /**
   * Changes the image and follows the rollout. A cluster already on `to` (a blue-green method moved the release to
   * a new cluster before the fault) has nothing to roll out: the change is a no-op, as `helm upgrade` to the
   * image a release already runs is.
   * @throws ClusterCommandError when the cluster runs a newer series than `to` (refused before any change).
   */
  async inject(context: DrillContext): Promise<ActiveFault> {
    const cluster = need(need(context.cluster, 'image'), 'statefulset');
    const from = cluster.spec.rabbitmq.series;
    const to = this.to;
    if (from === to) {
      context.mark(`helm upgrade --set image.tag=${to}: the release already runs RabbitMQ ${to}, nothing to roll out`);
      context.addEvidence(`rollout to RabbitMQ ${to}: none needed, the cluster already runs ${to}`);
      return irreversible;
    }
    if (!isUpgrade(from, to)) throw new ClusterCommandError(`the cluster runs ${from}: ${to} would be a downgrade`, { failure: 'exit-code' });
    const started = Date.now();
    const revisionBefore = cluster.revision();
    context.mark(`helm upgrade --set image.tag=${to}: pod template revision with RabbitMQ ${to} (was ${from})`);
    await cluster.setImage(to);
    const target = cluster.revision();
    const seen = new Map<number, string>();
    const transitions: string[] = [];
    const serving = () => servingNodes(cluster).map((node) => node.ordinal);
    const onNew = (pod: PodStatus) => pod.revision === target && pod.revision !== revisionBefore;
    let outcome = `not finished after ${ROLLOUT_TIMEOUT_MS / 1000} s`;
    while (Date.now() - started < ROLLOUT_TIMEOUT_MS) {
      const pods = cluster.status().filter((pod) => serving().includes(pod.ordinal));
      for (const pod of pods) {
        const state = `${pod.phase} on ${cluster.podImage(pod.ordinal) ?? 'no image'} (revision ${pod.revision}, restarts ${pod.restarts}, boot failures ${pod.bootFailures})`;
        if (seen.get(pod.ordinal) !== state) {
          seen.set(pod.ordinal, state);
          transitions.push(`+${((Date.now() - started) / 1000).toFixed(1)} s pod ${pod.ordinal} ${state}`);
        }
      }
      if (pods.every((pod) => onNew(pod) && pod.phase === 'ready')) {
        outcome = `finished: every pod ready on RabbitMQ ${to} after ${((Date.now() - started) / 1000).toFixed(1)} s`;
        break;
      }
      const stuck = pods.find((pod) => onNew(pod) && pod.phase !== 'ready' && pod.bootFailures >= STUCK_AFTER_BOOT_FAILURES);
      if (stuck) {
        outcome = `stuck: pod ${stuck.ordinal} on RabbitMQ ${to} failed to boot ${stuck.bootFailures} times (${((Date.now() - started) / 1000).toFixed(1)} s)`;
        break;
      }
      await sleep(250, context.signal);
    }
    context.addEvidence(`rollout to RabbitMQ ${to}: ${outcome}`);
    context.addEvidence(`rollout timeline: ${transitions.join('; ')}`);
    context.mark(`rollout ${outcome}`);
    return irreversible;
  }
}

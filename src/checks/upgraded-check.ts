import { AmqpConnection } from '../broker/amqp-connection.js';
import { detectRabbitMq } from '../broker/rabbitmq-info.js';
import { errorMessage } from '../common/errors.js';
import type { DrillContext } from '../core/drill-context.js';
import { need, servingNodes } from '../core/platform.js';
import { seriesOf, type RabbitMqSeries } from '../core/rabbitmq-release.js';
import type { Check, Verdict } from './check.js';

/** What one pod runs after an upgrade: the image its template gave it, and what its node says it runs. */
export interface UpgradedPod {
  ordinal: number;
  /** The series of the pod's image (its template revision's), or null when the pod is absent. */
  image: RabbitMqSeries | null;
  /** The version the node announces (AMQP connection.start server properties), or why it could not be read. */
  version: string | { error: string };
}

/** What `upgraded` saw: the series asked for, each serving pod, and the metadata store pod 0 reports. */
export interface UpgradedObservation {
  to: RabbitMqSeries;
  pods: UpgradedPod[];
  /** From the khepri_db feature flag on pod 0 (null when it could not be read). */
  metadataStore: 'mnesia' | 'khepri' | null;
}

/**
 * After an upgrade, every pod meant to serve runs the new series: its image is the new one and its node says so
 * (read from the node, never from the template warren applied). Fails naming each pod still on the old version or not
 * answering; the store is reported (4.3 runs only on Khepri).
 */
export class UpgradedCheck implements Check<UpgradedObservation> {
  readonly name = 'upgraded';

  /** @param to the series every pod must run. */
  constructor(readonly to: RabbitMqSeries) {}

  /** Reads each serving pod's image and its node's version (one AMQP handshake each), and pod 0's metadata store. */
  async observe(context: DrillContext): Promise<UpgradedObservation> {
    const cluster = need(context.cluster, 'image');
    const pods = await Promise.all(
      servingNodes(cluster).map(async (node): Promise<UpgradedPod> => {
        const image = cluster.podImage(node.ordinal) ?? null;
        try {
          await using connection = await AmqpConnection.open({ endpoint: node.amqp, credentials: cluster.credentials }, 5_000);
          return { ordinal: node.ordinal, image, version: connection.serverVersion };
        } catch (error) {
          return { ordinal: node.ordinal, image, version: { error: errorMessage(error) } };
        }
      }),
    );
    const first = pods.find((pod) => typeof pod.version === 'string');
    const metadataStore = first === undefined ? null : (await detectRabbitMq(cluster, first.version as string).catch(() => ({ metadataStore: null }))).metadataStore;
    return { to: this.to, pods, metadataStore };
  }

  evaluate(observation: UpgradedObservation): Verdict {
    const behind = observation.pods.filter((pod) => pod.image !== observation.to || typeof pod.version !== 'string' || seriesOf(pod.version) !== observation.to);
    if (behind.length === 0) return { ok: true };
    const what = behind.map((pod) => `pod ${pod.ordinal}: image ${pod.image ?? 'none'}, ${typeof pod.version === 'string' ? `runs ${pod.version}` : `no answer (${pod.version.error})`}`);
    return { ok: false, reason: `not every pod runs RabbitMQ ${observation.to}: ${what.join('; ')}` };
  }
}

import type { RabbitMqInfo } from '../core/rabbitmq-release.js';
import type { StartedCluster } from '../core/platform.js';
import { featureFlags } from './feature-flags.js';

/** Khepri first shipped (behind a feature flag) in 3.13; anything older can only be Mnesia. */
export function khepriPossible(version: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 3 || (major === 3 && minor >= 13);
}

/** Reads the version (from AMQP server properties) and the metadata store (the khepri_db feature flag). */
export async function detectRabbitMq(cluster: StartedCluster, version: string, erlang: string | null = null): Promise<RabbitMqInfo> {
  if (!khepriPossible(version)) return { version, metadataStore: 'mnesia', erlang };
  const flags = await featureFlags(cluster, 0);
  return { version, metadataStore: 'error' in flags ? null : metadataStoreFrom(flags), erlang };
}

export function metadataStoreFrom(flags: { name: string; state: string }[]): 'mnesia' | 'khepri' {
  return flags.some((flag) => flag.name === 'khepri_db' && flag.state === 'enabled') ? 'khepri' : 'mnesia';
}

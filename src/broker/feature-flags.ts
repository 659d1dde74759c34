import { errorMessage } from '../common/errors.js';
import type { StartedCluster } from '../core/platform.js';

/** One feature flag as `rabbitmqctl list_feature_flags name state stability` lists it. */
export interface FeatureFlag {
  name: string;
  state: string;
  /** `stable`, `experimental` or `required` (3.10.8 lists no `required`); empty when the CLI did not say. */
  stability: string;
}

/**
 * The cluster's feature flags, asked of pod `ordinal`.
 * @returns the flags, or why they could not be listed (one line).
 */
export async function featureFlags(cluster: StartedCluster, ordinal: number): Promise<FeatureFlag[] | { error: string }> {
  try {
    const result = await cluster.exec(ordinal, 'rabbitmqctl', ['list_feature_flags', 'name', 'state', 'stability', '--formatter', 'json'], { timeoutMs: 30_000 });
    if (result.exitCode !== 0) return { error: `list_feature_flags on pod ${ordinal}: exit ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n')[0]}` };
    return (JSON.parse(result.stdout) as { name: string; state: string; stability?: string }[]).map((flag) => ({ name: flag.name, state: flag.state, stability: flag.stability ?? '' }));
  } catch (error) {
    return { error: `list_feature_flags on pod ${ordinal}: ${errorMessage(error)}` };
  }
}

/** `12 of 14 enabled; disabled: a, b`, or the error. */
export function featureFlagsText(flags: FeatureFlag[] | { error: string }): string {
  if ('error' in flags) return flags.error;
  const disabled = flags.filter((flag) => flag.state !== 'enabled');
  return `${flags.length - disabled.length} of ${flags.length} enabled${disabled.length > 0 ? `; disabled: ${disabled.map((flag) => `${flag.name} (${flag.stability || 'stability unknown'})`).join(', ')}` : ''}`;
}

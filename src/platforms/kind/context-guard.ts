import { UsageError } from '../../common/errors.js';

/** kind names a cluster's context `kind-<name>`; warren's clusters are named `warren…`. */
export const WARREN_CLUSTER_PREFIX = 'warren';

export function kindContext(clusterName: string): string {
  return `kind-${clusterName}`;
}

export function isWarrenContext(context: string): boolean {
  const warren = kindContext(WARREN_CLUSTER_PREFIX);
  return context === warren || context.startsWith(`${warren}-`);
}

/**
 * warren only ever acts on a kind cluster it created. Any other kube context needs both `--context X` and
 * `--allow-context X` naming the same context: a typo, or a default context pointing at production, is refused.
 */
export function assertContextAllowed(choice: { context?: string; allowContext?: string }): void {
  const { context, allowContext } = choice;
  if (context === undefined) {
    if (allowContext !== undefined) throw new UsageError('--allow-context needs --context naming the same context');
    return;
  }
  if (isWarrenContext(context)) return;
  if (allowContext !== context) {
    throw new UsageError(`refusing kube context "${context}": warren did not create it; pass --allow-context ${context} as well to use it`);
  }
}

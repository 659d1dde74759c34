import { WARREN_CLUSTER_PREFIX } from './context-guard.js';
import type { KindCli } from './kind-cli.js';

/**
 * Deletes the kind clusters a warren run left behind (after a crash or --keep): only clusters named
 * `warren-<run id>` (or the reused `warren` with --all). Clusters with any other name are never touched.
 */
export async function sweepKindClusters(kind: KindCli, runId: string | 'all'): Promise<string[]> {
  const ours = (await kind.clusters()).filter((name) =>
    runId === 'all' ? name === WARREN_CLUSTER_PREFIX || name.startsWith(`${WARREN_CLUSTER_PREFIX}-`) : name === `${WARREN_CLUSTER_PREFIX}-${runId.toLowerCase()}`,
  );
  for (const name of ours) await kind.deleteCluster(name);
  return ours;
}

import type { CheckRecord } from '../core/journal.js';
import type { DrillContext } from '../core/drill-context.js';
import { need } from '../core/platform.js';

/** RabbitMQ (Mnesia) reads this file at boot, force-loads its tables without waiting for peers, and deletes it. */
export const FORCE_LOAD_FILE = 'force_load';

/** Proof the mechanism acted: the file is gone from every node's data dir once the node has booted. */
export async function forceLoadConsumed(context: DrillContext, ordinals: number[], relativePath: string): Promise<CheckRecord> {
  if (ordinals.length === 0) return { name: 'force-load-consumed', ok: false, reason: `${relativePath} was never written` };
  const cluster = need(context.cluster, 'volume-files');
  const left: string[] = [];
  for (const ordinal of ordinals) {
    if (await cluster.dataFileExists(ordinal, relativePath)) left.push(`${cluster.dataDir(ordinal)}/${relativePath}`);
  }
  if (left.length > 0) return { name: 'force-load-consumed', ok: false, reason: `still present after boot (never read): ${left.join(', ')}` };
  context.addEvidence(`${relativePath} consumed at boot on node(s) ${ordinals.join(', ')}`);
  return { name: 'force-load-consumed', ok: true };
}

import { randomUUID } from 'node:crypto';
import { probeTargets, putGet, type PutGetResult } from '../broker/workload.js';
import type { DrillContext } from '../run/drill-context.js';
import type { Check, Verdict } from './check.js';

/**
 * Put and get through EVERY node, for a durable classic queue and a quorum queue, with the credentials of
 * the current install. One node that refuses, or one queue type that hangs, fails the whole check.
 */
export class PutGetCheck implements Check<PutGetResult[]> {
  readonly name = 'put-get';

  constructor(private readonly timeoutMs = 3_000) {}

  observe(context: DrillContext): Promise<PutGetResult[]> {
    const { cluster } = context;
    return Promise.all(
      cluster.nodes.flatMap((node) =>
        probeTargets(node.ordinal, cluster.nodes.length).map((queue) => putGet(node, cluster.credentials, queue, `probe:${context.runId}:${randomUUID()}`, this.timeoutMs)),
      ),
    );
  }

  evaluate(results: PutGetResult[]): Verdict {
    const failed = results.filter((result) => !result.ok);
    if (results.length === 0) return { ok: false, reason: 'no node to probe' };
    if (failed.length === 0) return { ok: true };
    return { ok: false, reason: failed.map((f) => `${f.node} ${f.queueType}: ${f.error ?? 'failed'}`).join('; ') };
  }
}

import { randomUUID } from 'node:crypto';
import { probeTargets, putGet } from '../broker/workload.js';
import type { PutGetResult } from '../core/journal.js';
import type { DrillContext } from '../core/drill-context.js';
import type { Check, Verdict } from './check.js';

/**
 * Put and get through EVERY node, for a durable classic queue and a quorum queue, read back both by basic.get
 * and by basic.consume, with the credentials of the current install. One node that refuses, one queue type that
 * hangs, or one read mode that never delivers fails the whole check.
 */
export class PutGetCheck implements Check<PutGetResult[]> {
  readonly name = 'put-get';

  constructor(private readonly timeoutMs = 3_000) {}

  observe(context: DrillContext): Promise<PutGetResult[]> {
    const { cluster } = context;
    const probes = cluster.nodes.flatMap((node) =>
      probeTargets(node.ordinal, cluster.nodes.length).map((queue) => putGet(node, cluster.credentials, queue, `probe:${context.runId}:${randomUUID()}`, this.timeoutMs)),
    );
    return Promise.all(probes).then((results) => results.flat());
  }

  evaluate(results: PutGetResult[]): Verdict {
    const failed = results.filter((result) => !result.ok);
    if (results.length === 0) return { ok: false, reason: 'no node to probe' };
    if (failed.length === 0) return { ok: true };
    return { ok: false, reason: failed.map((f) => `${f.node} ${f.queueType} ${f.mode}: ${f.error ?? 'failed'}`).join('; ') };
  }
}

import { randomUUID } from 'node:crypto';
import { probeTargets, putGet } from '../broker/workload.js';
import type { Diagnosis, PutGetResult } from '../core/journal.js';
import type { DrillContext } from '../core/drill-context.js';
import { servingNodes } from '../core/platform.js';
import type { Check, Verdict } from './check.js';

/**
 * Put and get through EVERY node meant to serve ({@link servingNodes}: after a scale-down, the pods kept), for a durable classic queue and a quorum queue, read back both by basic.get
 * and by basic.consume, with the credentials of the current install. One node that refuses, one queue type that
 * hangs, or one read mode that never delivers fails the whole check.
 */
export class PutGetCheck implements Check<PutGetResult[]> {
  readonly name = 'put-get';

  constructor(private readonly timeoutMs = 3_000) {}

  observe(context: DrillContext): Promise<PutGetResult[]> {
    const { cluster } = context;
    const serving = servingNodes(cluster);
    const probes = serving.flatMap((node) =>
      probeTargets(node.ordinal, serving.length).map((queue) => putGet(node, cluster.credentials, queue, `probe:${context.runId}:${randomUUID()}`, this.timeoutMs)),
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

/**
 * `quorum-queue-unavailable` when a node that serves classic queues (its classic probes worked) cannot put or get on
 * a quorum queue: the node is up and takes AMQP, but the quorum queue has no leader (its Raft majority is gone, e.g.
 * members on scaled-away nodes). Undefined when no node shows that contrast.
 */
export function quorumQueueUnavailable(results: readonly PutGetResult[]): Diagnosis | undefined {
  const nodes = [...new Set(results.map((result) => result.node))];
  const affected = nodes.filter((node) => {
    const mine = results.filter((result) => result.node === node);
    return mine.some((result) => result.queueType === 'classic' && result.ok) && mine.some((result) => result.queueType === 'quorum' && !result.ok);
  });
  if (affected.length === 0) return undefined;
  const failures = results.filter((result) => affected.includes(result.node) && result.queueType === 'quorum' && !result.ok);
  return {
    signature: 'quorum-queue-unavailable',
    meaning: 'a node that serves classic queues cannot put or get on a quorum queue: the queue has no leader (its Raft majority is gone)',
    source: 'cluster',
    node: affected[0]!,
    count: failures.length,
    evidence: failures.map((result) => `${result.node} ${result.queue} ${result.mode}: ${result.error ?? 'failed'}`).join('; '),
  };
}

import { PutGetCheck } from '../checks/put-get-check.js';
import { ClusterCommandError, errorMessage, isRabbitMqUnresponsive, RunInterruptedError, WaitTimeoutError } from '../common/errors.js';
import { sleep } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import type { PutGetResult } from '../core/journal.js';
import { servingNodes, type PodStatus, type StartedCluster } from '../core/platform.js';
import { orderedReadyDeadlock, podsSettled } from './deadlock.js';
import type { RecoveryWait } from './drill-run.js';
import { livenessLoopSeen, RefusalTracker } from './refusal-tracker.js';
import { everyBootRefused, podsFailedAgain } from './refused-boot.js';

/** How close to the deadline a wait inside a step may run out and still count as the step outlasting it. */
const DEADLINE_SLACK_MS = 1_000;

/** How often put/get is probed while waiting for a recovery. */
const PROBE_INTERVAL_MS = 500;

/**
 * Runs one step of a method (apply, the closing step) bounded by `deadline` (epoch ms): the step gets a context
 * whose signal aborts at the deadline. Resolves with why the step did not complete when RabbitMQ is the reason
 * (the deadline passed, a wait on RabbitMQ ran out, a CLI call was refused), undefined when it completed.
 * @throws RunInterruptedError on Ctrl-C; any other error (warren's own) as it is.
 */
export async function withinDeadline(context: DrillContext, what: string, step: (bounded: DrillContext) => Promise<void>, deadline: number): Promise<string | undefined> {
  const timeoutMs = Math.max(0, deadline - Date.now());
  const expired = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([context.signal, expired]);
  const running = step({ ...context, signal });
  running.catch(() => undefined); // a step that ignores the signal may settle after we stopped waiting for it
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  aborted.catch(() => undefined);
  try {
    await Promise.race([running, aborted]);
    return undefined;
  } catch (error) {
    if (context.signal.aborted) throw new RunInterruptedError(`interrupted during ${what}`);
    // A wait inside the step bounded by the same deadline may run out a moment before it: that is the step outlasting
    // the deadline too, not a different failure (4.0.5 fresh-formation: `pod 0 ready` ran out 1 ms before it).
    const ranOut = error instanceof WaitTimeoutError || (error instanceof ClusterCommandError && error.failure === 'timeout');
    const atDeadline = expired.aborted || (ranOut && Date.now() >= deadline - DEADLINE_SLACK_MS);
    if (atDeadline) return `${what} still running at the recovery deadline (${(timeoutMs / 1000).toFixed(0)} s)`;
    if (isRabbitMqUnresponsive(error)) return `${what}: ${errorMessage(error)}`;
    throw error;
  }
}

/**
 * Probes put/get until it works on every node, the deadline passes, or waiting is proven useless (an OrderedReady
 * deadlock, credentials refused by settled pods, a boot RabbitMQ refuses every time). Always probes at least once, even past the deadline, so a
 * verdict rests on an observation. `failure` (the method did not complete) is the verdict unless put/get works.
 */
export async function waitForRecovery(
  context: DrillContext,
  baseline: PodStatus[],
  failure: string | undefined,
  logsAtMethod: ReadonlyMap<number, string> = new Map(),
): Promise<RecoveryWait> {
  const check = new PutGetCheck();
  const refusals = new RefusalTracker();
  let last: PutGetResult[] = [];
  let lastReason = 'no probe ran';
  let announced = '';
  do {
    const deadlock = orderedReadyDeadlock(context.cluster.startPolicy(), servingPods(context.cluster), baseline);
    last = await check.observe(context);
    const verdict = check.evaluate(last);
    if (verdict.ok) return failure ? { putGet: last, why: failure, diagnoses: [] } : { recoveredAt: Date.now(), putGet: last, why: '', diagnoses: [] };
    if (failure) return { putGet: last, why: failure, diagnoses: [] };
    if (deadlock) return { putGet: last, why: deadlock.evidence, diagnoses: [deadlock] };
    const pods = servingPods(context.cluster);
    const failing = podsFailedAgain(pods, baseline);
    const logs = new Map(await Promise.all(failing.map(async (pod) => [pod.ordinal, await context.cluster.readLog(pod.ordinal)] as const)));
    const refusedBoots = everyBootRefused(pods, baseline, logs, logsAtMethod);
    if (refusedBoots.length > 0) {
      const why = `${[...new Set(refusedBoots.map((d) => d.node))].join(', ')} failed to boot again since the method, refusing every boot: ${refusedBoots.map((d) => `${d.signature} (${d.evidence.slice(0, 200)})`).join('; ')}`;
      return { putGet: last, why, diagnoses: [] };
    }
    const refused = refusals.observe(last, new Map(pods.map((pod) => [pod.nodeName, pod.restarts])));
    // Settled first: the shape the cluster ends in (a pod booting alone: a split cluster) is part of the finding; with
    // a liveness probe that logs in, the restart loop it causes is too, so it must have turned once for each refusing pod.
    const probe = context.cluster.spec.livenessProbe !== undefined;
    const refusing = refusals.settled().map((node) => ({
      node,
      restartsBefore: baseline.find((pod) => pod.nodeName === node)?.restarts ?? 0,
      restartsAtStreakStart: refusals.restartsAtStreakStart(node),
    }));
    if (refused && podsSettled(pods, baseline) && livenessLoopSeen(probe, refusing)) {
      const loop = probe ? `; the liveness probe restarted ${refusing.map(({ node }) => `${node} (restarts ${pods.find((pod) => pod.nodeName === node)?.restarts ?? '?'})`).join(', ')} and each refused again after its restart` : '';
      return { putGet: last, why: `${refused}${loop}`, diagnoses: [] };
    }
    lastReason = verdict.reason ?? 'put/get failed';
    const working = last.filter((result) => result.ok).length;
    const firstFailure = last.find((result) => !result.ok);
    const progress = `put/get ok ${working}/${last.length}${firstFailure ? ` (${firstFailure.node} ${firstFailure.queueType} ${firstFailure.mode}: ${firstFailure.error})` : ''}`;
    if (progress !== announced) {
      context.mark(progress);
      announced = progress;
    }
    if (Date.now() >= context.recoveryDeadline) break;
    await sleep(PROBE_INTERVAL_MS, context.signal);
  } while (Date.now() < context.recoveryDeadline);
  return { putGet: last, why: `put/get still failing at the recovery deadline: ${lastReason}`, diagnoses: [] };
}

/** Each pod's log now, by ordinal: what `waitForRecovery` compares refusals with. */
export async function podLogs(cluster: StartedCluster): Promise<Map<number, string>> {
  return new Map(await Promise.all(cluster.nodes.map(async (node) => [node.ordinal, await cluster.readLog(node.ordinal).catch(() => '')] as const)));
}

/** The pods meant to serve ({@link servingNodes}): pods a scale-down removed are absent by design, not stuck. */
function servingPods(cluster: StartedCluster): PodStatus[] {
  const serving = new Set(servingNodes(cluster).map((node) => node.ordinal));
  return cluster.status().filter((pod) => serving.has(pod.ordinal));
}

/** After a closing step that changed the pod template: every pod ready on the current revision, then put/get again. */
export async function waitForRollout(context: DrillContext, deadline: number): Promise<string | undefined> {
  const { cluster } = context;
  const check = new PutGetCheck();
  let why = 'the rollout did not finish';
  while (Date.now() < deadline) {
    const pods = servingPods(cluster);
    const pending = pods.filter((pod) => pod.phase !== 'ready' || pod.revision !== cluster.revision());
    if (pending.length === 0) {
      const verdict = check.evaluate(await check.observe(context));
      if (verdict.ok) return undefined;
      why = verdict.reason ?? 'put/get failed';
    } else {
      why = `rollout not finished: ${pending.map((pod) => `pod ${pod.ordinal} ${pod.phase} (revision ${pod.revision}/${cluster.revision()})`).join(', ')}`;
    }
    await sleep(PROBE_INTERVAL_MS, context.signal);
  }
  return why;
}

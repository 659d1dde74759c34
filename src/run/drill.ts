import { releaseKey, seriesOf, type RabbitMqRelease } from '../core/rabbitmq-release.js';
import { join } from 'node:path';
import { AmqpConnection } from '../broker/amqp-connection.js';
import { detectRabbitMq } from '../broker/rabbitmq-info.js';
import { declareQueues, ledgerQueues, probeQueues, seedMessages, type SeedResult } from '../broker/workload.js';
import type { PutGetResult } from '../core/journal.js';
import { runCheck } from '../checks/check.js';
import { ClusterMembershipCheck, splitCluster } from '../checks/cluster-membership-check.js';
import { diagnose } from '../checks/log-signatures.js';
import { MessageLedgerCheck } from '../checks/message-ledger-check.js';
import { PutGetCheck } from '../checks/put-get-check.js';
import { QuorumMembersCheck } from '../checks/quorum-members-check.js';
import { DefinitionsCheck } from '../checks/definitions-check.js';
import { observeDefinitions } from '../checks/steady-state-baseline.js';
import { CleanupStack } from '../common/cleanup-stack.js';
import { errorMessage, HarnessError, isRabbitMqUnresponsive, RunInterruptedError, toErrorRecord } from '../common/errors.js';
import { generateCredentials, type Redactor } from '../common/secrets.js';
import { sleep } from '../common/wait.js';
import { hasCapability, type Platform, type PodStatus, type StartedCluster, type StartPolicy, type TableWaitSettings } from '../core/platform.js';
import type { RabbitMqInfo } from '../core/rabbitmq-release.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { Recovery } from '../recoveries/recovery.js';
import type { Expectation } from '../core/journal.js';
import { orderedReadyDeadlock, podsSettled } from './deadlock.js';
import { judge } from './judge.js';
import type { DrillContext } from '../core/drill-context.js';
import type { RunEvents } from './events.js';
import { newMethodReport, type CheckRecord, type Diagnosis, type DrillPhases, type MethodReport, type SteadyStateBaseline } from '../core/journal.js';
import { RefusalTracker } from './refusal-tracker.js';
import type { Logger } from '../common/logger.js';

export interface DrillSettings {
  nodes: number;
  startPolicy: StartPolicy;
  tableWait: TableWaitSettings;
  /** The pods' terminationGracePeriodSeconds (see ClusterSpec). */
  terminationGracePeriodSeconds: number;
  /** The RabbitMQ series and metadata store each drill's cluster runs. */
  rabbitmq: RabbitMqRelease;
  messagesPerQueue: number;
  /** From fault injection: how long put/get may take to work again before the method counts as failed. */
  recoveryTimeoutMs: number;
  keep: boolean;
}

export interface DrillEnvironment {
  platform: Platform;
  runId: string;
  reportDir: string;
  log: Logger;
  signal: AbortSignal;
  events: RunEvents;
  redactor: Redactor;
}

export interface DrillResult {
  report: MethodReport;
  rabbitmq: RabbitMqInfo | null;
  interrupted: boolean;
  /** Set when --keep left the cluster running: how to reach it. */
  keptAccess?: string[];
}

const PROBE_INTERVAL_MS = 500;

/**
 * One drill: one recovery method on a fresh cluster. provision → seed → fault → method → wait for put/get →
 * verify → teardown. Teardown runs whatever happens (failure, Ctrl-C), and every outcome is recorded as data.
 */
/** A scenario's method with the expectation that holds on the release being drilled. */
export interface DrillMethod {
  recovery: Recovery;
  expected: Expectation;
}

export async function runDrill(scenario: Scenario, method: DrillMethod, settings: DrillSettings, env: DrillEnvironment): Promise<DrillResult> {
  const { recovery, expected } = method;
  const started = Date.now();
  const log = env.log.child(`drill:${recovery.name}`);
  const report = newMethodReport({
    method: recovery.name,
    description: recovery.description,
    mechanism: recovery.mechanism(env.platform.name),
    expected,
  });
  const phases = report.phases;
  const mark = (event: string) => {
    const atMs = Date.now() - started;
    report.timeline.push({ atMs, event });
    log.info(event);
    env.events.emit('step', { method: recovery.name, step: event, atMs });
  };
  const stack = new CleanupStack((what, error) => log.warn(`${what} failed: ${errorMessage(error)}`));
  let cluster: StartedCluster | undefined;
  let rabbitmq: RabbitMqInfo | null = null;
  let interrupted = false;
  let faultInjected = false;
  let keptAccess: string[] | undefined;
  let phaseStart = Date.now();
  const notApplicableResult = (reason: string): DrillResult => {
    report.outcome = 'not-applicable';
    report.passed = true;
    report.reason = reason;
    mark(`not applicable: ${reason}`);
    return { report, rabbitmq, interrupted };
  };
  const endPhase = (phase: keyof DrillPhases) => {
    const now = Date.now();
    phases[phase] = now - phaseStart;
    phaseStart = now;
  };

  try {
    mark('provisioning cluster');
    const credentials = generateCredentials();
    env.redactor.add(credentials);
    const drillRunId = `${env.runId}-${recovery.name}`;
    cluster = await env.platform.provision(
      { runId: drillRunId, nodes: settings.nodes, startPolicy: settings.startPolicy, credentials, tableWait: settings.tableWait, terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds, rabbitmq: settings.rabbitmq },
      { signal: env.signal, log, keep: settings.keep, onPodChange: (pod) => env.events.emit('podChanged', { method: recovery.name, pod }) },
    );
    const provisioned = cluster;
    stack.defer('teardown', () => provisioned.teardown({ keep: settings.keep }));
    const context: DrillContext = {
      runId: drillRunId,
      cluster,
      log,
      signal: env.signal,
      elapsedMs: () => Date.now() - started,
      mark,
      addEvidence: (line) => report.evidence.push(env.redactor.redact(line)),
      timeline: report.timeline,
      recoveryDeadline: Number.POSITIVE_INFINITY,
    };
    mark(`cluster of ${settings.nodes} ready`);
    endPhase('provisionMs');

    // What the platform cannot do is known before RabbitMQ is asked anything; what the broker refuses after.
    const missing = [...new Set([...scenario.fault.requires, ...recovery.requires])].filter((capability) => !hasCapability(provisioned, capability));
    if (missing.length > 0) return notApplicableResult(`the ${env.platform.name} platform cannot: ${missing.join(', ')} (what ${scenario.fault.name} and ${recovery.name} require)`);
    rabbitmq = await detect(cluster);
    if (env.platform.name === 'local') assertRelease(settings.rabbitmq, rabbitmq);
    const notApplicable = recovery.notApplicable?.(rabbitmq);
    if (notApplicable) return notApplicableResult(notApplicable);

    const seeded = await seed(context, settings.messagesPerQueue);
    const baseline = await steadyState(context);
    report.baseline = baseline;
    mark(`seeded ${seeded.reduce((sum, s) => sum + s.confirmed.length, 0)} confirmed messages; baseline: ${describeBaseline(baseline)}`);
    if (recovery.prepare) {
      await recovery.prepare(context);
      mark(`prepared while healthy: ${recovery.name}`);
    }
    endPhase('seedMs');

    // Time to recover counts from the start of the fault; the recovery deadline only from its end, so a slow
    // fault (a whole Kubernetes restart) cannot eat the time the method has.
    const faultAt = Date.now();
    mark(`injecting fault: ${scenario.fault.name}`);
    stack.use('revert fault', await scenario.fault.inject(context));
    context.recoveryDeadline = Date.now() + settings.recoveryTimeoutMs;
    faultInjected = true;
    mark(`fault injected: ${scenario.fault.name}`);
    endPhase('faultMs');

    // From here on, RabbitMQ not doing what a step waits for is the finding (not-recovered), not warren's error.
    const baselinePods = cluster.status();
    mark(`applying method: ${recovery.name}`);
    const applyFailure = await withinDeadline(context, `method ${recovery.name}`, (bounded) => recovery.apply(bounded), context.recoveryDeadline);
    if (applyFailure) mark(`method did not complete: ${applyFailure}`);
    let waited = await waitForRecovery(context, baselinePods, applyFailure);
    if (waited.recoveredAt !== undefined) {
      report.timeToRecoverMs = waited.recoveredAt - faultAt;
      mark(`put/get works on every node (${(report.timeToRecoverMs / 1000).toFixed(1)} s after the fault)`);
      if (recovery.finish) {
        const finishDeadline = Date.now() + settings.recoveryTimeoutMs;
        const finishFailure = await withinDeadline(context, `closing step of ${recovery.name}`, (bounded) => recovery.finish!(bounded), finishDeadline);
        const settled = finishFailure ?? (await waitForRollout(context, finishDeadline));
        if (settled) waited = { putGet: waited.putGet, why: `after the runbook's closing step: ${settled}`, diagnoses: waited.diagnoses };
        else mark('closing step done: every pod ready on the current template');
      }
    }
    report.putGet = waited.putGet;
    report.diagnoses.push(...waited.diagnoses);
    endPhase('recoveryMs');

    const recovered = waited.recoveredAt !== undefined && waited.why === '';
    // Independent observations, run together: CLI calls are CPU-bound, the drain is I/O-bound. Membership is
    // asked even when put/get failed: it is how a split cluster shows. Everything compares with the baseline.
    const [membership, quorum, definitions, ledger] = await Promise.all([
      runCheck(new ClusterMembershipCheck(baseline.runningNodes), context),
      recovered ? runCheck(new QuorumMembersCheck(baseline.queues), context) : undefined,
      recovered ? runCheck(new DefinitionsCheck(baseline), context) : undefined,
      recovered
        ? runCheck(
            // The hypothesis decides what counts: a method expected to keep messages that loses some fails.
            new MessageLedgerCheck(seeded, expected.outcome === 'recovered' ? expected.messages : recovery.wipesData ? 'lost' : 'kept', (queue) => ledgerQueues(settings.nodes).find((q) => q.name === queue)?.homeOrdinal ?? 0),
            context,
          )
        : undefined,
    ]);
    const proof: CheckRecord[] = (await recovery.evidence?.(context)) ?? [];
    report.checks.push({ name: 'put-get', ok: recovered, ...(recovered ? {} : { reason: waited.why }) }, membership.record);
    for (const check of [quorum, definitions]) if (check) report.checks.push(check.record);
    if (ledger) {
      report.checks.push(ledger.record);
      report.messages = ledger.observation.ledger;
    }
    report.checks.push(...proof);
    const ready = cluster.status().filter((pod) => pod.phase === 'ready').map((pod) => pod.nodeName);
    const split = splitCluster(membership.observation, ready, baseline.runningNodes.length);
    if (split) report.diagnoses.push(split);
    await diagnoseEverything(cluster, report);

    const clusterChecks = ['put-get', 'cluster-membership', 'quorum-members', 'definitions'];
    const clusterOk = recovered && report.checks.filter((c) => clusterChecks.includes(c.name)).every((c) => c.ok) && quorum !== undefined;
    report.outcome = clusterOk ? 'recovered' : 'not-recovered';
    if (!clusterOk) report.reason = report.checks.filter((c) => !c.ok && clusterChecks.includes(c.name)).map((c) => `${c.name}: ${c.reason}`).join('; ');
    mark(`${clusterOk ? 'recovered' : 'not recovered'}: ${report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`);
    endPhase('verifyMs');
    judge(report);
  } catch (error) {
    interrupted = error instanceof RunInterruptedError || env.signal.aborted;
    report.passed = false;
    report.reason = interrupted ? 'interrupted' : errorMessage(error);
    if (!interrupted && faultInjected && isRabbitMqUnresponsive(error)) {
      // After the fault, RabbitMQ not answering is the finding, whatever step was waiting on it.
      report.outcome = 'not-recovered';
      mark(`not recovered: ${report.reason}`);
      if (cluster) await diagnoseEverything(cluster, report).catch((e: unknown) => log.warn(`diagnosing failed: ${errorMessage(e)}`));
      judge(report);
    } else if (interrupted) {
      report.outcome = 'interrupted';
      mark('interrupted');
    } else {
      report.outcome = 'error';
      report.error = toErrorRecord(error);
      mark(`harness error: ${report.reason}`);
    }
  } finally {
    if (cluster) {
      await collectEvidence(cluster, report, join(env.reportDir, recovery.name, 'logs'), env.reportDir).catch((error) =>
        log.warn(`collecting logs failed: ${errorMessage(error)}`),
      );
      if (settings.keep) keptAccess = cluster.describeAccess();
    }
    phaseStart = Date.now();
    mark('teardown');
    await stack.unwind();
    endPhase('teardownMs');
    report.durationMs = Date.now() - started;
    report.waitingOnRabbitMqMs = phases.provisionMs + phases.faultMs + phases.recoveryMs;
    report.harnessMs = report.durationMs - report.waitingOnRabbitMqMs;
    report.evidence = report.evidence.map((line) => env.redactor.redact(line));
  }
  return { report, rabbitmq, interrupted, ...(keptAccess ? { keptAccess } : {}) };
}

async function detect(cluster: StartedCluster): Promise<RabbitMqInfo> {
  await using connection = await AmqpConnection.open({ endpoint: cluster.nodes[0]!.amqp, credentials: cluster.credentials }, 10_000);
  return detectRabbitMq(cluster, connection.serverVersion, connection.erlangVersion ?? null);
}

/**
 * The cluster must run what was asked for (local: the series' image and store): a drill judged against another
 * release's expectations would give a wrong verdict.
 * @throws HarnessError naming what was asked and what runs.
 */
function assertRelease(asked: RabbitMqRelease, running: RabbitMqInfo): void {
  const series = running.version === null ? undefined : seriesOf(running.version);
  if (series !== asked.series || running.metadataStore !== asked.metadataStore) {
    throw new HarnessError(`asked for RabbitMQ ${releaseKey(asked)}, but node 0 runs ${running.version ?? '?'} on ${running.metadataStore ?? 'an unknown store'}`);
  }
}

async function seed(context: DrillContext, perQueue: number): Promise<SeedResult[]> {
  const { cluster } = context;
  const queues = [...ledgerQueues(cluster.nodes.length), ...probeQueues(cluster.nodes.length)];
  for (const node of cluster.nodes) {
    await declareQueues(node, cluster.credentials, queues.filter((queue) => queue.homeOrdinal === node.ordinal));
  }
  const seeded = await seedMessages(cluster.nodes, cluster.credentials, context.runId, perQueue);
  const unconfirmed = seeded.filter((s) => s.confirmed.length !== s.published.length);
  if (unconfirmed.length > 0) throw new HarnessError(`seeding: broker did not confirm every message (${unconfirmed.map((s) => s.queue).join(', ')})`);
  return seeded;
}

/**
 * The hypothesis needs a healthy start: one cluster of N with no partition, put/get (get and consume) everywhere.
 * What RabbitMQ reports then is the baseline every later check compares with.
 * @throws HarnessError when the cluster is not healthy before the fault (nothing could be measured).
 */
async function steadyState(context: DrillContext): Promise<SteadyStateBaseline> {
  const { cluster } = context;
  const nodeNames = cluster.nodes.map((node) => node.nodeName);
  // Node 0 seeing all N running proves one cluster at install time; after the fault every node is asked.
  const [membership, putGet, definitions] = await Promise.all([
    runCheck(new ClusterMembershipCheck(nodeNames, [0]), context),
    runCheck(new PutGetCheck(), context),
    observeDefinitions(cluster, 0).catch((error: unknown) => new HarnessError(`steady state: ${errorMessage(error)}`)),
  ]);
  const failed = [membership.record, putGet.record].filter((record) => !record.ok);
  if (failed.length > 0) throw new HarnessError(`steady state not reached before the fault: ${failed.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
  if (definitions instanceof Error) throw definitions;
  return { runningNodes: membership.observation[0]!.runningNodes ?? [], ...definitions };
}

/** `3 nodes, 10 queues (4 quorum: 3 members each), 1 user, 1 vhost`. */
function describeBaseline(baseline: SteadyStateBaseline): string {
  const quorum = baseline.queues.filter((queue) => queue.type === 'quorum');
  const sizes = [...new Set(quorum.map((queue) => queue.members.length))].sort();
  return `${baseline.runningNodes.length} nodes, ${baseline.queues.length} queues (${quorum.length} quorum: ${sizes.join('/')} members each), ${baseline.users.length} user(s), ${baseline.vhosts.length} vhost(s)`;
}

/**
 * Runs one step of a method (apply, the closing step) bounded by `deadline` (epoch ms): the step gets a context
 * whose signal aborts at the deadline. Resolves with why the step did not complete when RabbitMQ is the reason
 * (the deadline passed, a wait on RabbitMQ ran out, a CLI call was refused), undefined when it completed.
 * @throws RunInterruptedError on Ctrl-C; any other error (warren's own) as it is.
 */
async function withinDeadline(context: DrillContext, what: string, step: (bounded: DrillContext) => Promise<void>, deadline: number): Promise<string | undefined> {
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
    if (expired.aborted) return `${what} still running at the recovery deadline (${(timeoutMs / 1000).toFixed(0)} s)`;
    if (isRabbitMqUnresponsive(error)) return `${what}: ${errorMessage(error)}`;
    throw error;
  }
}

/**
 * Probes put/get until it works on every node, the deadline passes, or waiting is proven useless (an OrderedReady
 * deadlock, credentials refused by settled pods). Always probes at least once, even past the deadline, so a
 * verdict rests on an observation. `failure` (the method did not complete) is the verdict unless put/get works.
 */
async function waitForRecovery(
  context: DrillContext,
  baseline: PodStatus[],
  failure: string | undefined,
): Promise<{ recoveredAt?: number; putGet: PutGetResult[]; why: string; diagnoses: Diagnosis[] }> {
  const check = new PutGetCheck();
  const refusals = new RefusalTracker();
  let last: PutGetResult[] = [];
  let lastReason = 'no probe ran';
  let announced = '';
  do {
    const deadlock = orderedReadyDeadlock(context.cluster.startPolicy(), context.cluster.status(), baseline);
    last = await check.observe(context);
    const verdict = check.evaluate(last);
    if (verdict.ok) return failure ? { putGet: last, why: failure, diagnoses: [] } : { recoveredAt: Date.now(), putGet: last, why: '', diagnoses: [] };
    if (failure) return { putGet: last, why: failure, diagnoses: [] };
    if (deadlock) return { putGet: last, why: deadlock.evidence, diagnoses: [deadlock] };
    const refused = refusals.observe(last);
    // Settled first: the shape the cluster ends in (a pod booting alone: a split cluster) is part of the finding.
    if (refused && podsSettled(context.cluster.status(), baseline)) return { putGet: last, why: refused, diagnoses: [] };
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

/** After a closing step that changed the pod template: every pod ready on the current revision, then put/get again. */
async function waitForRollout(context: DrillContext, deadline: number): Promise<string | undefined> {
  const { cluster } = context;
  const check = new PutGetCheck();
  let why = 'the rollout did not finish';
  while (Date.now() < deadline) {
    const pods = cluster.status();
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

/**
 * Named signatures in every node's log and in what clients were told (put/get errors, CLI output in check
 * reasons), each with its first line as evidence.
 */
async function diagnoseEverything(cluster: StartedCluster, report: MethodReport): Promise<void> {
  const found: Diagnosis[] = [];
  for (const node of cluster.nodes) found.push(...diagnose(node.nodeName, await cluster.readLog(node.ordinal)));
  for (const result of report.putGet) if (result.error) found.push(...diagnose(result.node, result.error, { source: 'client' }));
  // Not the force-* evidence: their reasons are warren's words about files and markers ("force_load never read"),
  // which the force-load signature would misread as tables force-loaded (measured on 4.3.6).
  for (const check of report.checks) if (check.reason && !check.name.startsWith('force-')) found.push(...diagnose(check.name, check.reason, { source: 'client' }));
  // One entry per signature, node and source: the count says how often.
  for (const diagnosis of found) {
    const same = report.diagnoses.find((d) => d.signature === diagnosis.signature && d.node === diagnosis.node && d.source === diagnosis.source);
    if (same) same.count += diagnosis.count;
    else report.diagnoses.push(diagnosis);
  }
}

async function collectEvidence(cluster: StartedCluster, report: MethodReport, logDir: string, reportDir: string): Promise<void> {
  report.pods = cluster.status().map(({ ordinal, nodeName, phase, restarts, bootFailures }) => ({ ordinal, nodeName, phase, restarts, bootFailures }));
  if (report.diagnoses.length === 0) await diagnoseEverything(cluster, report);
  const files = await cluster.collectLogs(logDir);
  report.logs = files.map((file) => file.slice(reportDir.length + 1));
}

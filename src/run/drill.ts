import { join } from 'node:path';
import { AmqpConnection } from '../broker/amqp-connection.js';
import { detectRabbitMq } from '../broker/rabbitmq-info.js';
import { declareQueues, ledgerQueues, probeQueues, seedMessages, type PutGetResult, type SeedResult } from '../broker/workload.js';
import { runCheck } from '../checks/check.js';
import { ClusterMembershipCheck, splitCluster } from '../checks/cluster-membership-check.js';
import { diagnose } from '../checks/log-signatures.js';
import { MessageLedgerCheck } from '../checks/message-ledger-check.js';
import { PutGetCheck } from '../checks/put-get-check.js';
import { QuorumMembersCheck } from '../checks/quorum-members-check.js';
import { CleanupStack } from '../common/cleanup-stack.js';
import { errorMessage, HarnessError, RunInterruptedError, toErrorRecord } from '../common/errors.js';
import { generateCredentials, type Redactor } from '../common/secrets.js';
import { sleep } from '../common/wait.js';
import type { Platform, PodStatus, StartedCluster, StartPolicy, TableWaitSettings } from '../platforms/platform.js';
import type { RabbitMqInfo } from '../recoveries/recovery.js';
import type { ScenarioMethod, Scenario } from '../scenarios/scenario.js';
import { orderedReadyDeadlock, podsSettled } from './deadlock.js';
import { judge } from './judge.js';
import type { DrillContext } from './drill-context.js';
import type { RunEvents } from './events.js';
import { newMethodReport, type CheckRecord, type Diagnosis, type DrillPhases, type MethodReport } from './journal.js';
import { RefusalTracker } from './refusal-tracker.js';
import type { Logger } from './logger.js';

export interface DrillSettings {
  nodes: number;
  startPolicy: StartPolicy;
  tableWait: TableWaitSettings;
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
export async function runDrill(scenario: Scenario, method: ScenarioMethod, settings: DrillSettings, env: DrillEnvironment): Promise<DrillResult> {
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
  let keptAccess: string[] | undefined;
  let phaseStart = Date.now();
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
      { runId: drillRunId, nodes: settings.nodes, startPolicy: settings.startPolicy, credentials, tableWait: settings.tableWait },
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

    rabbitmq = await detect(cluster);
    const notApplicable = recovery.notApplicable?.(rabbitmq);
    const missing = [...scenario.fault.requires, ...recovery.requires].filter((capability) => !provisioned.capabilities.has(capability));
    if (notApplicable || missing.length > 0) {
      report.outcome = 'not-applicable';
      report.passed = true;
      report.reason = notApplicable ?? `the ${env.platform.name} platform cannot: ${missing.join(', ')}`;
      return { report, rabbitmq, interrupted };
    }

    const seeded = await seed(context, settings.messagesPerQueue);
    await requireSteadyState(context);
    mark(`seeded ${seeded.reduce((sum, s) => sum + s.confirmed.length, 0)} confirmed messages`);
    if (recovery.prepare) {
      await recovery.prepare(context);
      mark(`prepared while healthy: ${recovery.name}`);
    }
    endPhase('seedMs');

    const faultAt = Date.now();
    context.recoveryDeadline = faultAt + settings.recoveryTimeoutMs;
    mark(`fault injected: ${scenario.fault.name}`);
    stack.use('revert fault', await scenario.fault.inject(context));
    endPhase('faultMs');

    mark(`applying method: ${recovery.name}`);
    await recovery.apply(context);
    let waited = await waitForRecovery(context, cluster.status());
    if (waited.recoveredAt !== undefined) {
      report.timeToRecoverMs = waited.recoveredAt - faultAt;
      mark(`put/get works on every node (${(report.timeToRecoverMs / 1000).toFixed(1)} s after the fault)`);
      if (recovery.finish) {
        await recovery.finish(context);
        const settled = await waitForRollout(context, Date.now() + settings.recoveryTimeoutMs);
        if (settled) waited = { putGet: waited.putGet, why: `after the runbook's closing step: ${settled}` };
        else mark('closing step done: every pod ready on the current template');
      }
    }
    report.putGet = waited.putGet;
    endPhase('recoveryMs');

    const recovered = waited.recoveredAt !== undefined && waited.why === '';
    const nodeNames = cluster.nodes.map((node) => node.nodeName);
    // Independent observations, run together: CLI calls are CPU-bound, the drain is I/O-bound. Membership is
    // asked even when put/get failed: it is how a split cluster shows.
    const [membership, quorum, ledger] = await Promise.all([
      runCheck(new ClusterMembershipCheck(nodeNames), context),
      recovered ? runCheck(new QuorumMembersCheck(quorumQueues(settings.nodes), settings.nodes), context) : undefined,
      recovered
        ? runCheck(
            // The hypothesis decides what counts: a method expected to keep messages that loses some fails.
            new MessageLedgerCheck(seeded, expected.messages ?? (recovery.wipesData ? 'lost' : 'kept'), (queue) => ledgerQueues(settings.nodes).find((q) => q.name === queue)?.homeOrdinal ?? 0),
            context,
          )
        : undefined,
    ]);
    const proof: CheckRecord[] = (await recovery.evidence?.(context)) ?? [];
    report.checks.push({ name: 'put-get', ok: recovered, ...(recovered ? {} : { reason: waited.why }) }, membership.record);
    if (quorum) report.checks.push(quorum.record);
    if (ledger) {
      report.checks.push(ledger.record);
      report.messages = ledger.observation.ledger;
    }
    report.checks.push(...proof);
    const ready = cluster.status().filter((pod) => pod.phase === 'ready').map((pod) => pod.nodeName);
    const split = splitCluster(membership.observation, ready, settings.nodes);
    if (split) report.diagnoses.push(split);
    await diagnoseEverything(cluster, report);

    const clusterOk = recovered && membership.record.ok && (quorum?.record.ok ?? false);
    report.outcome = clusterOk ? 'recovered' : 'not-recovered';
    if (!clusterOk) report.reason = report.checks.filter((c) => !c.ok && (c.name === 'put-get' || c.name === 'cluster-membership' || c.name === 'quorum-members')).map((c) => `${c.name}: ${c.reason}`).join('; ');
    mark(`${clusterOk ? 'recovered' : 'not recovered'}: ${report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`);
    endPhase('verifyMs');
    judge(report);
  } catch (error) {
    interrupted = error instanceof RunInterruptedError || env.signal.aborted;
    report.outcome = 'error';
    report.passed = false;
    report.error = toErrorRecord(error);
    report.reason = interrupted ? 'interrupted' : errorMessage(error);
    mark(interrupted ? 'interrupted' : `harness error: ${report.reason}`);
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

function quorumQueues(nodes: number): string[] {
  return [...ledgerQueues(nodes), ...probeQueues(nodes)].filter((queue) => queue.type === 'quorum').map((queue) => queue.name);
}

async function detect(cluster: StartedCluster): Promise<RabbitMqInfo> {
  await using connection = await AmqpConnection.open({ endpoint: cluster.nodes[0]!.amqp, credentials: cluster.credentials }, 10_000);
  return detectRabbitMq(cluster, connection.serverVersion);
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

/** The hypothesis needs a healthy start: one cluster of N, put/get everywhere. Otherwise nothing is measured. */
async function requireSteadyState(context: DrillContext): Promise<void> {
  const nodeNames = context.cluster.nodes.map((node) => node.nodeName);
  // Node 0 seeing all N running proves one cluster at install time; after the fault every node is asked.
  const [membership, putGet] = await Promise.all([
    runCheck(new ClusterMembershipCheck(nodeNames, [0]), context),
    runCheck(new PutGetCheck(), context),
  ]);
  const failed = [membership.record, putGet.record].filter((record) => !record.ok);
  if (failed.length > 0) throw new HarnessError(`steady state not reached before the fault: ${failed.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
}

async function waitForRecovery(context: DrillContext, baseline: PodStatus[]): Promise<{ recoveredAt?: number; putGet: PutGetResult[]; why: string }> {
  const check = new PutGetCheck();
  const refusals = new RefusalTracker();
  let last: PutGetResult[] = [];
  let lastReason = 'no probe ran';
  let announced = '';
  while (Date.now() < context.recoveryDeadline) {
    const deadlock = orderedReadyDeadlock(context.cluster.startPolicy(), context.cluster.status(), baseline);
    if (deadlock) return { putGet: last, why: deadlock };
    last = await check.observe(context);
    const verdict = check.evaluate(last);
    if (verdict.ok) return { recoveredAt: Date.now(), putGet: last, why: '' };
    const refused = refusals.observe(last);
    // Settled first: the shape the cluster ends in (a pod booting alone: a split cluster) is part of the finding.
    if (refused && podsSettled(context.cluster.status(), baseline)) return { putGet: last, why: refused };
    lastReason = verdict.reason ?? 'put/get failed';
    const working = last.filter((result) => result.ok).length;
    const firstFailure = last.find((result) => !result.ok);
    const progress = `put/get ok ${working}/${last.length}${firstFailure ? ` (${firstFailure.node} ${firstFailure.queueType}: ${firstFailure.error})` : ''}`;
    if (progress !== announced) {
      context.mark(progress);
      announced = progress;
    }
    await sleep(PROBE_INTERVAL_MS, context.signal);
  }
  return { putGet: last, why: `put/get still failing at the recovery deadline: ${lastReason}` };
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
  for (const check of report.checks) if (check.reason) found.push(...diagnose(check.name, check.reason, { source: 'client' }));
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

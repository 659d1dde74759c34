import { join } from 'node:path';
import { AmqpConnection } from '../broker/amqp-connection.js';
import { detectRabbitMq } from '../broker/rabbitmq-info.js';
import { declareQueues, ledgerQueues, probeQueues, seedMessages, type PutGetResult, type SeedResult } from '../broker/workload.js';
import { runCheck } from '../checks/check.js';
import { ClusterMembershipCheck } from '../checks/cluster-membership-check.js';
import { diagnose } from '../checks/log-signatures.js';
import { MessageLedgerCheck } from '../checks/message-ledger-check.js';
import { PutGetCheck } from '../checks/put-get-check.js';
import { QuorumMembersCheck } from '../checks/quorum-members-check.js';
import { CleanupStack } from '../common/cleanup-stack.js';
import { errorMessage, HarnessError, RunInterruptedError, toErrorRecord } from '../common/errors.js';
import { generateCredentials, type Redactor } from '../common/secrets.js';
import { sleep } from '../common/wait.js';
import type { Platform, StartedCluster, StartPolicy, TableWaitSettings } from '../platforms/platform.js';
import type { RabbitMqInfo } from '../recoveries/recovery.js';
import type { ScenarioMethod, Scenario } from '../scenarios/scenario.js';
import { orderedReadyDeadlock } from './deadlock.js';
import type { DrillContext } from './drill-context.js';
import type { RunEvents } from './events.js';
import { newMethodReport, type CheckRecord, type DrillPhases, type MethodReport } from './journal.js';
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
    endPhase('seedMs');

    const faultAt = Date.now();
    mark(`fault injected: ${scenario.fault.name}`);
    stack.use('revert fault', await scenario.fault.inject(context));
    endPhase('faultMs');

    mark(`applying method: ${recovery.name}`);
    await recovery.apply(context);
    const baseline = cluster.status();
    const waited = await waitForRecovery(context, faultAt + settings.recoveryTimeoutMs, baseline);
    report.putGet = waited.putGet;
    endPhase('recoveryMs');

    if (waited.recoveredAt === undefined) {
      report.outcome = 'not-recovered';
      report.reason = waited.why;
      report.checks.push({ name: 'put-get', ok: false, reason: waited.why });
      mark(`not recovered: ${waited.why}`);
    } else {
      report.timeToRecoverMs = waited.recoveredAt - faultAt;
      mark(`put/get works on every node (${(report.timeToRecoverMs / 1000).toFixed(1)} s after the fault)`);
      const nodeNames = cluster.nodes.map((node) => node.nodeName);
      // Independent observations, run together: CLI calls are CPU-bound, the drain is I/O-bound.
      const [membership, quorum, ledger] = await Promise.all([
        runCheck(new ClusterMembershipCheck(nodeNames), context),
        runCheck(new QuorumMembersCheck(quorumQueues(settings.nodes), settings.nodes), context),
        runCheck(
          new MessageLedgerCheck(seeded, recovery.wipesData ? 'lost' : 'kept', (queue) => ledgerQueues(settings.nodes).find((q) => q.name === queue)?.homeOrdinal ?? 0),
          context,
        ),
      ]);
      report.messages = ledger.observation.ledger;
      const closing: CheckRecord[] = (await recovery.complete?.(context)) ?? [];
      report.checks.push({ name: 'put-get', ok: true }, membership.record, quorum.record, ledger.record, ...closing);
      const clusterOk = membership.record.ok && quorum.record.ok;
      report.outcome = clusterOk ? 'recovered' : 'not-recovered';
      if (!clusterOk) report.reason = [membership.record, quorum.record].filter((c) => !c.ok).map((c) => `${c.name}: ${c.reason}`).join('; ');
      mark(`verified: ${report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`);
    }
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

async function waitForRecovery(
  context: DrillContext,
  deadline: number,
  baseline: ReturnType<StartedCluster['status']>,
): Promise<{ recoveredAt?: number; putGet: PutGetResult[]; why: string }> {
  const check = new PutGetCheck();
  let last: PutGetResult[] = [];
  let lastReason = 'no probe ran';
  let announced = '';
  while (Date.now() < deadline) {
    const deadlock = orderedReadyDeadlock(context.cluster.startPolicy(), context.cluster.status(), baseline);
    if (deadlock) return { putGet: last, why: deadlock };
    last = await check.observe(context);
    const verdict = check.evaluate(last);
    if (verdict.ok) return { recoveredAt: Date.now(), putGet: last, why: '' };
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

function judge(report: MethodReport): void {
  const failing = report.checks.filter((check) => !check.ok);
  if (report.outcome !== report.expected.outcome) {
    report.passed = false;
    const detail = report.outcome === 'recovered' ? 'the cluster came back' : report.reason ?? '';
    report.reason = `expected ${report.expected.outcome}, got ${report.outcome}: ${detail}`;
    return;
  }
  if (report.outcome === 'recovered' && failing.length > 0) {
    report.passed = false;
    report.reason = failing.map((check) => `${check.name}: ${check.reason}`).join('; ');
    return;
  }
  report.passed = true;
}

async function collectEvidence(cluster: StartedCluster, report: MethodReport, logDir: string, reportDir: string): Promise<void> {
  report.pods = cluster.status().map(({ ordinal, nodeName, phase, restarts, bootFailures }) => ({ ordinal, nodeName, phase, restarts, bootFailures }));
  for (const node of cluster.nodes) report.diagnoses.push(...diagnose(node.nodeName, await cluster.readLog(node.ordinal)));
  const files = await cluster.collectLogs(logDir);
  report.logs = files.map((file) => file.slice(reportDir.length + 1));
}

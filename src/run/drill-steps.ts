import { join } from 'node:path';
import { AmqpConnection } from '../broker/amqp-connection.js';
import { detectRabbitMq } from '../broker/rabbitmq-info.js';
import { declareQueues, ledgerQueues, probeQueues, seedMessages, type SeedResult } from '../broker/workload.js';
import { runCheck } from '../checks/check.js';
import { diagnose } from '../checks/log-signatures.js';
import { ClusterMembershipCheck, networkPartition, removedMembers, splitCluster } from '../checks/cluster-membership-check.js';
import { DefinitionsCheck } from '../checks/definitions-check.js';
import { MessageLedgerCheck } from '../checks/message-ledger-check.js';
import { PutGetCheck, quorumQueueUnavailable } from '../checks/put-get-check.js';
import { QuorumMembersCheck } from '../checks/quorum-members-check.js';
import { observeDefinitions } from '../checks/steady-state-baseline.js';
import { errorMessage, HarnessError } from '../common/errors.js';
import { generateCredentials } from '../common/secrets.js';
import type { DrillContext } from '../core/drill-context.js';
import { expectationFor, type CheckRecord, type SteadyStateBaseline, type StepName } from '../core/journal.js';
import { hasCapability, servingNodes, type StartedCluster } from '../core/platform.js';
import { releaseKey, seriesOf, type RabbitMqInfo, type RabbitMqRelease } from '../core/rabbitmq-release.js';
import { diagnoseEverything } from './drill-evidence.js';
import { drillName, type DrillRun, type DrillStep } from './drill-run.js';
import { judge } from './judge.js';
import { podLogs, waitForRecovery, waitForRollout, withinDeadline } from './recovery-wait.js';

/** The checks whose failure means the cluster did not recover (a method's own evidence is judged apart). */
const CLUSTER_CHECKS = ['put-get', 'cluster-membership', 'quorum-members', 'definitions'];

/**
 * setup: a fresh cluster with a Secret of its own, torn down whatever happens next. A fault or method needing a
 * capability the cluster lacks ends the drill here, not-applicable, before RabbitMQ is asked anything.
 */
const setup: DrillStep = {
  name: 'setup',
  async run(drill) {
    const { env, settings, method, scenario, report } = drill;
    drill.mark('provisioning cluster');
    const credentials = generateCredentials();
    env.redactor.add(credentials);
    const drillRunId = `${env.runId}-${drillName(method)}`;
    const cluster = await env.platform.provision(
      {
        runId: drillRunId,
        nodes: settings.nodes,
        startPolicy: settings.startPolicy,
        credentials,
        tableWait: settings.tableWait,
        ...(settings.terminationGracePeriodSeconds === undefined ? {} : { terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds }),
        ...(settings.livenessProbe === undefined ? {} : { livenessProbe: settings.livenessProbe }),
        rabbitmq: settings.rabbitmq,
      },
      { signal: env.signal, log: drill.log, keep: settings.keep, onPodChange: (pod) => env.events.emit('podChanged', { method: method.recovery.name, pod }) },
    );
    drill.cluster = cluster;
    drill.stack.defer('teardown', () => cluster.teardown({ keep: settings.keep }));
    drill.context = {
      runId: drillRunId,
      cluster,
      log: drill.log,
      signal: env.signal,
      elapsedMs: () => Date.now() - drill.started,
      mark: (event) => drill.mark(event),
      addEvidence: (line) => report.evidence.push(env.redactor.redact(line)),
      keepSecret: (secret) => env.redactor.add(secret),
      timeline: report.timeline,
      recoveryDeadline: Number.POSITIVE_INFINITY,
      provisionBeside: async (rabbitmq, name) => {
        const beside = await env.platform.provision(
          { ...cluster.spec, runId: `${drillRunId}-${name}`, rabbitmq },
          { signal: env.signal, log: drill.log.child(name), keep: settings.keep, onPodChange: (pod) => env.events.emit('podChanged', { method: method.recovery.name, pod }) },
        );
        // --keep keeps the cluster clients use at the end (the one whose access is printed), never one left aside.
        drill.stack.defer(`teardown ${name}`, () => beside.teardown({ keep: settings.keep && drill.cluster === beside }));
        return beside;
      },
      switchTo: async (next) => {
        const old = drill.cluster!;
        // Its signatures are evidence, never diagnoses: the same node names serve on the new cluster, which is judged.
        for (const node of old.nodes) {
          for (const found of diagnose(node.nodeName, await old.readLog(node.ordinal).catch(() => ''))) {
            report.evidence.push(env.redactor.redact(`old cluster, before its removal: ${found.signature} on ${found.node} ×${found.count}: ${found.evidence}`));
          }
        }
        const logs = await old.collectLogs(join(env.reportDir, drillName(method), 'logs-old-cluster')).catch(() => []);
        report.logs.push(...logs.map((file) => file.slice(env.reportDir.length + 1)));
        drill.cluster = next;
        drill.context!.cluster = next;
        await old.teardown({ keep: false });
      },
    };
    drill.mark(`cluster of ${settings.nodes} ready`);

    const missing = [...new Set([...scenario.fault.requires, ...method.recovery.requires])].filter((capability) => !hasCapability(cluster, capability));
    if (missing.length > 0) return notApplicable(drill, `the ${env.platform.name} platform cannot: ${missing.join(', ')} (what ${scenario.fault.name} and ${method.recovery.name} require)`);
    return 'next';
  },
};

/**
 * steady-state: what runs is read from the nodes (and must be what was asked for on local); a fault that cannot
 * happen on that broker (judged against the expectation) or a method RabbitMQ cannot apply ends the drill
 * not-applicable; then the ledger is seeded and the healthy cluster's own baseline
 * taken, with the scenario's own steady-state checks; a method's preparation comes last, while all is healthy.
 * @throws HarnessError when the cluster is not healthy before the fault (nothing could be measured).
 */
const steadyState: DrillStep = {
  name: 'steady-state',
  async run(drill) {
    const { context, cluster } = started(drill);
    const { recovery } = drill.method;
    drill.rabbitmq = await detect(cluster);
    if (drill.env.platform.name === 'local') assertRelease(drill.settings.rabbitmq, drill.rabbitmq);
    else assertMetadataStore(drill.settings.rabbitmq, drill.rabbitmq);
    // A fault that cannot happen on this broker is judged: a scenario that expected it to happen here was wrong.
    const impossible = drill.scenario.fault.notApplicable?.(drill.rabbitmq);
    if (impossible) return notApplicable(drill, impossible, { judged: true });
    const refused = recovery.notApplicable?.(drill.rabbitmq);
    if (refused) return notApplicable(drill, refused);

    drill.seeded = await seed(context, drill.settings.messagesPerQueue);
    drill.baseline = await baselineOf(context, drill);
    drill.report.baseline = drill.baseline;
    drill.mark(`seeded ${drill.seeded.reduce((sum, s) => sum + s.confirmed.length, 0)} confirmed messages; baseline: ${describeBaseline(drill.baseline)}`);
    if (recovery.prepare) {
      const preparing = Date.now();
      await recovery.prepare(context);
      // The method's own work (a whole blue-green upgrade) is recovery time, not seeding: the report's split says so.
      drill.prepareMs = Date.now() - preparing;
      drill.mark(`prepared while healthy: ${recovery.name} (${(drill.prepareMs / 1000).toFixed(1)} s)`);
    }
    return 'next';
  },
};

/**
 * fault: time to recover counts from its start, the recovery deadline only from its end, so a slow fault (a whole
 * Kubernetes restart) cannot eat the time the method has.
 */
const fault: DrillStep = {
  name: 'fault',
  async run(drill) {
    const { context } = started(drill);
    const { fault: theFault } = drill.scenario;
    drill.faultAt = Date.now();
    drill.mark(`injecting fault: ${theFault.name}`);
    drill.stack.use('revert fault', await theFault.inject(context));
    context.recoveryDeadline = Date.now() + drill.settings.recoveryTimeoutMs;
    drill.faultInjected = true;
    drill.mark(`fault injected: ${theFault.name}`);
    return 'next';
  },
};

/** method: the recovery applied, bounded by the recovery deadline; not completing is recorded, not thrown. */
const method: DrillStep = {
  name: 'method',
  async run(drill) {
    const { context, cluster } = started(drill);
    const { recovery } = drill.method;
    drill.podsAtMethod = cluster.status();
    drill.logsAtMethod = await podLogs(cluster);
    drill.mark(`applying method: ${recovery.name}`);
    drill.methodFailure = await withinDeadline(context, `method ${recovery.name}`, (bounded) => recovery.apply(bounded), context.recoveryDeadline);
    if (drill.methodFailure) drill.mark(`method did not complete: ${drill.methodFailure}`);
    return 'next';
  },
};

/**
 * recovery-wait: put/get probed until it works through every node (or waiting is proven useless), then the
 * runbook's closing step and its rollout, within their own deadline.
 */
const recoveryWait: DrillStep = {
  name: 'recovery-wait',
  async run(drill) {
    const { context, cluster } = started(drill);
    const { recovery } = drill.method;
    let waited = await waitForRecovery(context, drill.podsAtMethod ?? cluster.status(), drill.methodFailure, drill.logsAtMethod);
    if (waited.recoveredAt !== undefined) {
      drill.report.timeToRecoverMs = drill.faultAt === undefined ? null : waited.recoveredAt - drill.faultAt;
      drill.mark(`put/get works on every node${drill.report.timeToRecoverMs === null ? '' : ` (${(drill.report.timeToRecoverMs / 1000).toFixed(1)} s after the fault)`}`);
      if (recovery.finish) {
        const finishDeadline = Date.now() + drill.settings.recoveryTimeoutMs;
        const finishFailure = await withinDeadline(context, `closing step of ${recovery.name}`, (bounded) => recovery.finish!(bounded), finishDeadline);
        const settled = finishFailure ?? (await waitForRollout(context, finishDeadline));
        if (settled) waited = { putGet: waited.putGet, why: `after the runbook's closing step: ${settled}`, diagnoses: waited.diagnoses };
        else drill.mark('closing step done: every pod ready on the current template');
      }
    }
    drill.waited = waited;
    drill.report.putGet = waited.putGet;
    drill.report.diagnoses.push(...waited.diagnoses);
    return 'next';
  },
};

/**
 * verify: independent observations, run together (CLI calls are CPU-bound, the drain is I/O-bound), each compared
 * with the baseline: membership (asked even when put/get failed: it is how a split cluster shows), quorum members,
 * definitions, the message ledger, the scenario's own checks; then the method's own evidence and the diagnoses.
 */
const verify: DrillStep = {
  name: 'verify',
  async run(drill) {
    const { context, cluster } = started(drill);
    const { report, settings, scenario } = drill;
    const { recovery, expected } = drill.method;
    const baseline = drill.baseline!;
    const waited = drill.waited ?? { putGet: [], why: 'recovery was never waited for', diagnoses: [] };
    const recovered = waited.recoveredAt !== undefined && waited.why === '';
    // The hypothesis decides what counts: a method expected to keep messages that loses some fails.
    const ifRecovered = expectationFor(expected, 'recovered');
    const messages = ifRecovered.outcome === 'recovered' ? ifRecovered.messages : recovery.wipesData ? 'lost' : 'kept';
    // After a scale-down only the pods kept are meant to serve: the baseline is compared on them, and a queue whose
    // home pod was removed is read through pod 0.
    const serving = servingNodes(cluster);
    const servingNames = serving.map((node) => node.nodeName);
    const expectedRunning = baseline.runningNodes.filter((name) => servingNames.includes(name));
    const readThrough = (queue: string) => {
      const home = ledgerQueues(settings.nodes).find((q) => q.name === queue)?.homeOrdinal ?? 0;
      return serving.some((node) => node.ordinal === home) ? home : serving[0]!.ordinal;
    };
    const [membership, quorum, definitions, ledger, own] = await Promise.all([
      runCheck(new ClusterMembershipCheck(expectedRunning), context),
      recovered ? runCheck(new QuorumMembersCheck(baseline.queues), context) : undefined,
      recovered ? runCheck(new DefinitionsCheck(baseline), context) : undefined,
      recovered
        ? runCheck(
            new MessageLedgerCheck(drill.seeded!, messages, readThrough),
            context,
          )
        : undefined,
      recovered ? Promise.all((scenario.checks?.verify ?? []).map((check) => runCheck(check, context))) : [],
    ]);
    const proof: CheckRecord[] = (await recovery.evidence?.(context)) ?? [];
    report.checks.push({ name: 'put-get', ok: recovered, ...(recovered ? {} : { reason: waited.why }) }, membership.record);
    for (const check of [quorum, definitions]) if (check) report.checks.push(check.record);
    if (ledger) {
      report.checks.push(ledger.record);
      report.messages = ledger.observation.ledger;
    }
    report.checks.push(...own.map((check) => check.record));
    report.checks.push(...proof);
    const ready = cluster.status().filter((pod) => pod.phase === 'ready').map((pod) => pod.nodeName);
    const split = splitCluster(membership.observation, ready, expectedRunning.length);
    if (split) report.diagnoses.push(split);
    const partition = networkPartition(membership.observation);
    if (partition) report.diagnoses.push(partition);
    const removed = removedMembers(membership.observation, servingNames);
    if (removed) report.diagnoses.push(removed);
    const leaderless = recovered ? undefined : quorumQueueUnavailable(waited.putGet);
    if (leaderless) report.diagnoses.push(leaderless);
    await diagnoseEverything(cluster, report);

    const clusterChecks = [...CLUSTER_CHECKS, ...(scenario.checks?.verify ?? []).map((check) => check.name)];
    const clusterOk = recovered && report.checks.filter((c) => clusterChecks.includes(c.name)).every((c) => c.ok) && quorum !== undefined;
    report.outcome = clusterOk ? 'recovered' : 'not-recovered';
    if (!clusterOk) report.reason = report.checks.filter((c) => !c.ok && clusterChecks.includes(c.name)).map((c) => `${c.name}: ${c.reason}`).join('; ');
    drill.mark(`${clusterOk ? 'recovered' : 'not recovered'}: ${report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}`);
    judge(report);
    return 'next';
  },
};

/** The steps of a drill, in order (teardown is the drill's own: it runs whatever happened). */
export const DRILL_STEPS: readonly DrillStep[] = [setup, steadyState, fault, method, recoveryWait, verify];

/** The drill's steps with some replaced by name, for `runDrill`'s `steps` (`stepsWith({ 'steady-state': … })`). */
export function stepsWith(replacements: Partial<Record<StepName, DrillStep>>): DrillStep[] {
  return DRILL_STEPS.map((step) => replacements[step.name] ?? step);
}

/**
 * Ends the drill not-applicable. A platform without a capability, or a method the broker cannot apply, passes (it
 * says so honestly); a fault the broker cannot have (`judged`) is held to the expectation, met only by
 * `Expect.notApplicable`.
 */
function notApplicable(drill: DrillRun, reason: string, options: { judged?: boolean } = {}): 'stop' {
  drill.report.outcome = 'not-applicable';
  drill.report.passed = true;
  drill.report.reason = reason;
  drill.mark(`not applicable: ${reason}`);
  if (options.judged) judge(drill.report);
  return 'stop';
}

/** The cluster and context setup made. @throws HarnessError when a step runs before setup (a broken step list). */
function started(drill: DrillRun): { cluster: StartedCluster; context: DrillContext } {
  if (drill.cluster === undefined || drill.context === undefined) throw new HarnessError('a drill step ran before setup');
  return { cluster: drill.cluster, context: drill.context };
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

/**
 * kind runs the image it is given and is judged by the expectations of the series --rabbitmq names (3.13 as 3.10):
 * the versions differ by design, but a Mnesia image judged by Khepri's expectations (or the reverse) would give a
 * wrong verdict. @throws HarnessError naming both.
 */
export function assertMetadataStore(asked: RabbitMqRelease, running: RabbitMqInfo): void {
  if (running.metadataStore !== asked.metadataStore) {
    throw new HarnessError(`judged as RabbitMQ ${releaseKey(asked)}, but node 0 runs ${running.version ?? '?'} on ${running.metadataStore ?? 'an unknown store'}: pass the --rabbitmq series whose store the image uses`);
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
 * The hypothesis needs a healthy start: one cluster of N with no partition, put/get (get and consume) everywhere,
 * and the scenario's own steady-state checks. What RabbitMQ reports then is the baseline every later check
 * compares with.
 * @throws HarnessError when the cluster is not healthy before the fault (nothing could be measured).
 */
async function baselineOf(context: DrillContext, drill: DrillRun): Promise<SteadyStateBaseline> {
  const { cluster } = context;
  const nodeNames = cluster.nodes.map((node) => node.nodeName);
  // Node 0 seeing all N running proves one cluster at install time; after the fault every node is asked.
  const [membership, putGet, definitions, own] = await Promise.all([
    runCheck(new ClusterMembershipCheck(nodeNames, [0]), context),
    runCheck(new PutGetCheck(), context),
    observeDefinitions(cluster, 0).catch((error: unknown) => new HarnessError(`steady state: ${errorMessage(error)}`)),
    Promise.all((drill.scenario.checks?.steadyState ?? []).map((check) => runCheck(check, context))),
  ]);
  const failed = [membership.record, putGet.record, ...own.map((check) => check.record)].filter((record) => !record.ok);
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

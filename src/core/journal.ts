import type { ErrorRecord } from '../common/errors.js';
import type { LivenessProbe, PlatformName, StartPolicy, TableWaitSettings } from './platform.js';

/** The two queue types a ledger holds (RabbitMQ's `x-queue-type`). */
export type QueueType = 'classic' | 'quorum';

/** How a probe reads its message back: `basic.get` (a poll) or `basic.consume` (a subscription, what real consumers do). */
export type ReadMode = 'get' | 'consume';

export interface PutGetResult {
  node: string;
  ordinal: number;
  queue: string;
  queueType: QueueType;
  /** How the probe was read back. A quorum queue whose consumer side crashed still answers basic.get. */
  mode: ReadMode;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/**
 * The run journal: plain data, the single source every reporter reads. A method that did not recover when
 * it should have is a finding (outcome not-recovered, passed false); `error` means warren itself broke;
 * `interrupted` means the drill was stopped (Ctrl-C, SIGTERM, SIGHUP) before it could say.
 */
export type MethodOutcome = 'recovered' | 'not-recovered' | 'not-applicable' | 'error' | 'interrupted';

/**
 * A run's outcome, in Chaos Toolkit's words: `deviated` means RabbitMQ did not meet a method's expectation (the
 * finding warren exists for, exit 1); `error` means warren or the machine broke (exit 3); `interrupted` is Ctrl-C
 * or a termination signal.
 */
export type RunOutcome = 'passed' | 'deviated' | 'error' | 'interrupted';

/** A recovery: put/get works through every node again, with every confirmed message kept, or with some lost. */
export type RecoveredExpectation = { outcome: 'recovered'; messages: 'kept' | 'lost' };

/**
 * A negative control: the cluster stays down, and every diagnosis named must explain it (all of them must be
 * found): a cluster that stays down for another reason (a port clash, a crash of warren's own) does not meet it.
 */
export type NotRecoveredExpectation = { outcome: 'not-recovered'; diagnoses: readonly [string, ...string[]] };

/**
 * A known race, seen both ways in real runs (e.g. which node stopped last after every pod was deleted at once): one
 * drill meets it with either branch. With `--repeat`, a method that went both ways is still flaky, and flaky is a
 * finding; `why` says what the race is.
 */
export type RaceExpectation = { outcome: 'race'; recovered: RecoveredExpectation; notRecovered: NotRecoveredExpectation; why: string };

/**
 * The fault cannot happen on this release, which the drill confirms from the node it provisioned (e.g. classic queue
 * mirroring, removed in RabbitMQ 4.0: rabbitmq.com/docs/3.13/ha). A drill that runs anyway does not meet it.
 */
export type NotApplicableExpectation = { outcome: 'not-applicable'; why: string };

/** A method's hypothesis: it recovers, it stays down for named reasons, a known race of the two, or not applicable. */
export type Expectation = RecoveredExpectation | NotRecoveredExpectation | RaceExpectation | NotApplicableExpectation;

/** The expectation a drill with this outcome is judged by: for a race, the branch of the outcome (stays down otherwise). */
export function expectationFor(expected: Expectation, outcome: MethodOutcome): RecoveredExpectation | NotRecoveredExpectation | NotApplicableExpectation {
  if (expected.outcome !== 'race') return expected;
  return outcome === 'recovered' ? expected.recovered : expected.notRecovered;
}

/** `recovered, messages kept` / `not-recovered (ordered-ready-deadlock, timeout-waiting-for-tables)` / `a race: … or …`. */
export function expectationText(expected: Expectation): string {
  if (expected.outcome === 'race') return `a race: ${expectationText(expected.recovered)} or ${expectationText(expected.notRecovered)}`;
  if (expected.outcome === 'not-applicable') return `not-applicable (${expected.why})`;
  return expected.outcome === 'recovered' ? `recovered, messages ${expected.messages}` : `not-recovered (${expected.diagnoses.join(', ')})`;
}

export interface TimelineEntry {
  atMs: number;
  event: string;
}

export interface CheckRecord {
  name: string;
  ok: boolean;
  reason?: string;
  observation?: unknown;
}

export interface Diagnosis {
  signature: string;
  meaning: string;
  /** Where it was seen: a node's log, what a client (AMQP, CLI) was told, or the cluster's shape. */
  source: 'log' | 'client' | 'cluster';
  node: string;
  count: number;
  evidence: string;
}

/** Message counts: published and confirmed before the fault, read back after it. */
export interface MessageCounts {
  published: number;
  confirmed: number;
  recovered: number;
  lost: number;
  duplicated: number;
  /** Read back but never confirmed as published (e.g. a publish whose confirm was lost). */
  unexpected: number;
}

/** Every message accounted for, in total and per queue type (a quorum queue and a classic queue fail differently). */
export interface MessageLedger extends MessageCounts {
  byQueueType: Record<QueueType, MessageCounts>;
}

/** A drill's steps, in order; teardown runs whatever happened before it. */
export const STEP_NAMES = ['setup', 'steady-state', 'fault', 'method', 'recovery-wait', 'verify', 'teardown'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** One step as it ran: `stopped` ended the drill with a verdict (not-applicable), `failed` threw. */
export interface StepRecord {
  name: StepName;
  status: 'done' | 'stopped' | 'failed';
  /** Milliseconds since the drill started. */
  atMs: number;
  durationMs: number;
  /** Why it failed, one line (secrets redacted). */
  error?: string;
}

export interface DrillPhases {
  provisionMs: number;
  /** Seeding and the baseline; a method's preparation (`prepare`, while healthy) counts to recoveryMs instead. */
  seedMs: number;
  faultMs: number;
  recoveryMs: number;
  verifyMs: number;
  teardownMs: number;
}

/**
 * What the healthy cluster looked like just before the fault, as RabbitMQ itself reported it (`rabbitmqctl
 * cluster_status`, `list_queues`, `list_users`, `list_vhosts` on node 0). Every check after the fault compares with
 * this, never with an assumption (e.g. RabbitMQ places quorum queue members itself: 3 of 5 nodes, measured).
 */
export interface SteadyStateBaseline {
  /** The cluster's running nodes, sorted. */
  runningNodes: string[];
  /** Every queue of vhost `/` with its type and, for a quorum queue, its members (sorted). */
  queues: { name: string; type: string; members: string[] }[];
  users: string[];
  vhosts: string[];
}

export interface MethodReport {
  method: string;
  /** Which drill of the method this is, 1 to the run's `repeat` (`--repeat N` drills each method N times, each on a fresh cluster). */
  attempt: number;
  description: string;
  /** How the method is carried out on this platform, in an operator's words. */
  mechanism: string;
  expected: Expectation;
  outcome: MethodOutcome;
  passed: boolean;
  reason?: string;
  timeToRecoverMs: number | null;
  durationMs: number;
  phases: DrillPhases;
  /** Each step that ran, in order, with its time and status. */
  steps: StepRecord[];
  /** Time spent waiting on RabbitMQ itself (boot, stop, table waits, recovery) vs warren's own work. */
  waitingOnRabbitMqMs: number;
  harnessMs: number;
  putGet: PutGetResult[];
  messages: MessageLedger | null;
  /** The steady state every check compared with; null when the drill never got that far. */
  baseline: SteadyStateBaseline | null;
  checks: CheckRecord[];
  timeline: TimelineEntry[];
  diagnoses: Diagnosis[];
  evidence: string[];
  pods: { ordinal: number; nodeName: string; phase: string; restarts: number; bootFailures: number }[];
  logs: string[];
  error?: ErrorRecord;
}

export interface RunReport {
  tool: { name: 'warren'; version: string };
  runId: string;
  scenario: string;
  description: string;
  platform: PlatformName;
  /** What the nodes run, read from node 0: RabbitMQ's version, its metadata store and the Erlang/OTP release. */
  rabbitmq: { version: string | null; metadataStore: 'mnesia' | 'khepri' | null; erlang?: string | null };
  nodes: number;
  startPolicy: StartPolicy;
  /** `livenessProbe`: null when the pods had none (see ClusterSpec). */
  settings: { tableWait: TableWaitSettings; messagesPerQueue: number; recoveryTimeoutMs: number; terminationGracePeriodSeconds: number | null; livenessProbe: LivenessProbe | null };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** How many times each method was drilled (`--repeat`, default 1). */
  repeat: number;
  /** Every drill, in the order run: with `repeat` N, a method's N attempts follow one another. */
  methods: MethodReport[];
  /** Per method, what its attempts came to: "recovered k of N", and whether it was flaky. */
  tallies: MethodTally[];
  error?: ErrorRecord;
}

/**
 * A method's attempts, counted. `flaky` is a finding of its own: the same fault and the same method, on fresh
 * clusters, recovered in some attempts and not in others (a race, such as which node stopped last).
 */
export interface MethodTally {
  method: string;
  /** Attempts drilled, an interrupted one included (counted in `other`); after Ctrl-C no further attempt starts. */
  attempts: number;
  recovered: number;
  notRecovered: number;
  /** Attempts that were not-applicable, an error of warren's or interrupted. */
  other: number;
  /** Attempts that met the method's expectation. */
  metExpectation: number;
  /** Both recovered and not-recovered among the attempts. */
  flaky: boolean;
}

/** Counts each method's attempts, methods in first-seen order. */
export function tallyMethods(methods: readonly MethodReport[]): MethodTally[] {
  const tallies = new Map<string, MethodTally>();
  for (const report of methods) {
    const tally = tallies.get(report.method) ?? { method: report.method, attempts: 0, recovered: 0, notRecovered: 0, other: 0, metExpectation: 0, flaky: false };
    tally.attempts += 1;
    if (report.outcome === 'recovered') tally.recovered += 1;
    else if (report.outcome === 'not-recovered') tally.notRecovered += 1;
    else tally.other += 1;
    if (report.passed) tally.metExpectation += 1;
    tally.flaky = tally.recovered > 0 && tally.notRecovered > 0;
    tallies.set(report.method, tally);
  }
  return [...tallies.values()];
}

/** A drill's name in reports: the method's, with `#2` for its second attempt when the run repeats. */
export function drillLabel(method: Pick<MethodReport, 'method' | 'attempt'>, repeat: number): string {
  return repeat > 1 ? `${method.method} #${method.attempt}` : method.method;
}

/** `recovered 3 of 5 (flaky)` / `recovered 5 of 5`. */
export function tallyText(tally: MethodTally): string {
  return `recovered ${tally.recovered} of ${tally.attempts}${tally.flaky ? ' (flaky)' : ''}`;
}

/** A method's report before its drill has run: an error until the drill says otherwise. */
export function newMethodReport(fields: Pick<MethodReport, 'method' | 'description' | 'mechanism' | 'expected'> & Partial<Pick<MethodReport, 'attempt'>>): MethodReport {
  return {
    attempt: 1,
    ...fields,
    outcome: 'error',
    passed: false,
    timeToRecoverMs: null,
    durationMs: 0,
    phases: { provisionMs: 0, seedMs: 0, faultMs: 0, recoveryMs: 0, verifyMs: 0, teardownMs: 0 },
    steps: [],
    waitingOnRabbitMqMs: 0,
    harnessMs: 0,
    putGet: [],
    messages: null,
    baseline: null,
    checks: [],
    timeline: [],
    diagnoses: [],
    evidence: [],
    pods: [],
    logs: [],
  };
}

import type { ErrorRecord } from '../common/errors.js';
import type { PutGetResult } from '../broker/workload.js';
import type { PlatformName, StartPolicy, TableWaitSettings } from '../platforms/platform.js';

/**
 * The run journal: plain data, the single source every reporter reads. A method that did not recover when
 * it should have is a finding (outcome not-recovered, passed false); `error` means warren itself broke.
 */
export type MethodOutcome = 'recovered' | 'not-recovered' | 'not-applicable' | 'error';
export type RunOutcome = 'passed' | 'failed' | 'error' | 'interrupted';

export interface Expectation {
  outcome: 'recovered' | 'not-recovered';
  /** For a method that recovers: whether every confirmed message must survive. */
  messages?: 'kept' | 'lost';
  /** For a method that does not recover: the diagnosis that must explain why (e.g. access-refused, split-cluster). */
  diagnosis?: string;
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

export interface MessageLedger {
  published: number;
  confirmed: number;
  recovered: number;
  lost: number;
  duplicated: number;
  /** Read back but never confirmed as published (e.g. a publish whose confirm was lost). */
  unexpected: number;
}

export interface DrillPhases {
  provisionMs: number;
  seedMs: number;
  faultMs: number;
  recoveryMs: number;
  verifyMs: number;
  teardownMs: number;
}

export interface MethodReport {
  method: string;
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
  /** Time spent waiting on RabbitMQ itself (boot, stop, table waits, recovery) vs warren's own work. */
  waitingOnRabbitMqMs: number;
  harnessMs: number;
  putGet: PutGetResult[];
  messages: MessageLedger | null;
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
  rabbitmq: { version: string | null; metadataStore: 'mnesia' | 'khepri' | null };
  nodes: number;
  startPolicy: StartPolicy;
  settings: { tableWait: TableWaitSettings; messagesPerQueue: number; recoveryTimeoutMs: number };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  methods: MethodReport[];
  error?: ErrorRecord;
}

/** A method's report before its drill has run: an error until the drill says otherwise. */
export function newMethodReport(fields: Pick<MethodReport, 'method' | 'description' | 'mechanism' | 'expected'>): MethodReport {
  return {
    ...fields,
    outcome: 'error',
    passed: false,
    timeToRecoverMs: null,
    durationMs: 0,
    phases: { provisionMs: 0, seedMs: 0, faultMs: 0, recoveryMs: 0, verifyMs: 0, teardownMs: 0 },
    waitingOnRabbitMqMs: 0,
    harnessMs: 0,
    putGet: [],
    messages: null,
    checks: [],
    timeline: [],
    diagnoses: [],
    evidence: [],
    pods: [],
    logs: [],
  };
}

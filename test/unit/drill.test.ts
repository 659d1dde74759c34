import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogger } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/secrets.js';
import { WaitTimeoutError } from '../../src/common/errors.js';
import { irreversible, type Fault } from '../../src/faults/fault.js';
import type { Expectation } from '../../src/core/journal.js';
import type { Platform } from '../../src/core/platform.js';
import type { Recovery } from '../../src/recoveries/recovery.js';
import { runDrill, type DrillStep } from '../../src/run/drill.js';
import { stepsWith } from '../../src/run/drill-steps.js';
import { RunEvents } from '../../src/run/events.js';
import { Expect } from '../../src/scenarios/methods.js';
import { defineScenario } from '../../src/scenarios/scenario.js';
import { FakeCluster } from '../support/fake-cluster.js';

/**
 * The drill's orchestration, driven with the fake cluster: the real setup, fault and method steps, and stand-ins
 * for the steps that need a broker (steady state, waiting on put/get, verify). Whatever happens, teardown runs and
 * every step is recorded; what a throw means depends on where it comes from: RabbitMQ not answering after the
 * fault is a finding (not-recovered), anything else is an error, Ctrl-C is interrupted.
 */
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The healthy-cluster step without a broker: a baseline of three running nodes and no ledger to drain. */
const healthy: DrillStep = {
  name: 'steady-state',
  async run(drill) {
    drill.baseline = { runningNodes: drill.cluster!.nodes.map((n) => n.nodeName), queues: [], users: [], vhosts: [], policies: [], exchanges: [], bindings: [] } as never;
    drill.seeded = [];
    return 'next';
  },
};
const recoveredAtOnce: DrillStep = {
  name: 'recovery-wait',
  async run(drill) {
    drill.waited = { recoveredAt: Date.now(), putGet: [], why: '', diagnoses: [] };
    drill.report.timeToRecoverMs = 0;
    return 'next';
  },
};
const verified: DrillStep = {
  name: 'verify',
  async run(drill) {
    drill.report.outcome = 'recovered';
    drill.report.passed = true;
    return 'next';
  },
};

function recovery(apply: Recovery['apply'], name = 'fake-method'): Recovery {
  return { name, description: 'a method of the test', requires: [], wipesData: false, mechanism: () => 'nothing real', apply };
}

function fault(inject: Fault['inject']): Fault {
  return { name: 'fake-fault', description: 'a fault of the test', requires: [], inject };
}

async function drill(options: { fault?: Fault; recovery?: Recovery; steps?: Partial<Record<DrillStep['name'], DrillStep>>; expected?: Expectation; signal?: AbortSignal }) {
  const cluster = new FakeCluster();
  const platform: Platform = { name: 'local', preflight: async () => undefined, provision: async () => cluster };
  const reportDir = await mkdtemp(join(tmpdir(), 'warren-drill-'));
  dirs.push(reportDir);
  const redactor = new Redactor();
  const scenario = defineScenario({ name: 'fake', description: 'd', fault: options.fault ?? fault(async () => irreversible), methods: [] });
  const result = await runDrill(
    scenario,
    { recovery: options.recovery ?? recovery(async () => undefined), expected: options.expected ?? Expect.recovers() },
    { nodes: 3, startPolicy: 'OrderedReady', tableWait: { retryTimeoutMs: 1_000, retryLimit: 1 }, terminationGracePeriodSeconds: 30, rabbitmq: { series: '3.10', metadataStore: 'mnesia' }, messagesPerQueue: 1, recoveryTimeoutMs: 5_000, keep: false },
    { platform, runId: 'drill-test', reportDir, log: new FileLogger(join(reportDir, 'warren.log'), redactor), signal: options.signal ?? new AbortController().signal, events: new RunEvents(), redactor },
    stepsWith({ 'steady-state': healthy, 'recovery-wait': recoveredAtOnce, verify: verified, ...options.steps }),
  );
  const steps = result.report.steps.map((step) => `${step.name} ${step.status}`);
  return { result, cluster, steps };
}

describe('runDrill', () => {
  it('runs every step in order, records each, and tears the cluster down', async () => {
    const { result, cluster, steps } = await drill({});
    expect(steps).toEqual(['setup done', 'steady-state done', 'fault done', 'method done', 'recovery-wait done', 'verify done', 'teardown done']);
    expect(result.report).toMatchObject({ outcome: 'recovered', passed: true });
    expect(cluster.calls.at(-1)).toEqual({ op: 'teardown', options: { keep: false } });
    const { phases } = result.report;
    const stepTotal = result.report.steps.reduce((sum, step) => sum + step.durationMs, 0);
    expect(Object.values(phases).reduce((sum, ms) => sum + ms, 0)).toBe(stepTotal);
  });

  it('a fault that throws (a bug, before anything was broken) is an error, and teardown still runs', async () => {
    const { result, cluster, steps } = await drill({
      fault: fault(async () => {
        throw new TypeError('bug in a fault');
      }),
    });
    expect(steps).toEqual(['setup done', 'steady-state done', 'fault failed', 'teardown done']);
    expect(result.report).toMatchObject({ outcome: 'error', passed: false, reason: 'bug in a fault', error: { name: 'TypeError' } });
    expect(result.report.steps.find((s) => s.name === 'fault')?.error).toBe('bug in a fault');
    expect(cluster.calls.map((c) => c.op)).toContain('teardown');
  });

  it('keeps a secret a fault generated out of the reason, the error, the timeline and the steps, whatever quotes it', async () => {
    const drifted = { username: 'warren', password: 'FAKE-DRIFTED-PASSWORD', erlangCookie: 'FAKEDRIFTEDCOOKIE' };
    const { result } = await drill({
      fault: fault(async (context) => {
        context.keepSecret(drifted);
        context.mark(`about to run rabbitmqctl change_password warren ${drifted.password}`);
        throw new Error(`rabbitmqctl change_password warren ${drifted.password} on rabbit-0@localhost: no answer within 30000 ms`);
      }),
    });
    const text = JSON.stringify(result.report);
    expect(result.report.outcome).toBe('error');
    expect(result.report.reason).toBe('rabbitmqctl change_password warren [REDACTED] on rabbit-0@localhost: no answer within 30000 ms');
    expect(text).not.toContain(drifted.password);
    // The negative control: the same text without keepSecret would show it.
    const { result: leaky } = await drill({ fault: fault(async () => Promise.reject(new Error(`change_password warren ${drifted.password}`))) });
    expect(JSON.stringify(leaky.report)).toContain(drifted.password);
  });

  it('RabbitMQ not answering after the fault is the finding (not-recovered), judged against the expectation', async () => {
    const silent: DrillStep = {
      name: 'recovery-wait',
      async run() {
        throw new WaitTimeoutError('pod 0 ready', 5_000, 'starting');
      },
    };
    const { result, steps } = await drill({ steps: { 'recovery-wait': silent } });
    expect(steps).toEqual(['setup done', 'steady-state done', 'fault done', 'method done', 'recovery-wait failed', 'teardown done']);
    expect(result.report.outcome).toBe('not-recovered');
    expect(result.report.passed).toBe(false);
    expect(result.report.reason).toMatch(/^expected recovered, got not-recovered: /);
  });

  it('the same wait running out before the fault is an error, not a finding (negative control)', async () => {
    const neverHealthy: DrillStep = {
      name: 'steady-state',
      async run() {
        throw new WaitTimeoutError('every pod ready', 5_000, 'starting');
      },
    };
    const { result, steps } = await drill({ steps: { 'steady-state': neverHealthy } });
    expect(steps).toEqual(['setup done', 'steady-state failed', 'teardown done']);
    expect(result.report.outcome).toBe('error');
  });

  it('Ctrl-C during the method: interrupted, the later steps never run, teardown does', async () => {
    const controller = new AbortController();
    const waiting = recovery(
      (context) =>
        new Promise<void>((_, reject) => {
          context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true });
          setTimeout(() => controller.abort(), 20);
        }),
    );
    const { result, cluster, steps } = await drill({ recovery: waiting, signal: controller.signal });
    expect(steps).toEqual(['setup done', 'steady-state done', 'fault done', 'method failed', 'teardown done']);
    expect(result.interrupted).toBe(true);
    expect(result.report).toMatchObject({ outcome: 'interrupted', reason: 'interrupted' });
    expect(cluster.calls.map((c) => c.op)).toContain('teardown');
  });

  it('a step that stops the drill (not-applicable) ends it with its verdict; teardown runs', async () => {
    const refused: DrillStep = {
      name: 'steady-state',
      async run(drill) {
        drill.report.outcome = 'not-applicable';
        drill.report.passed = true;
        drill.report.reason = 'force_boot means nothing on Khepri';
        return 'stop';
      },
    };
    const { result, steps } = await drill({ steps: { 'steady-state': refused } });
    expect(steps).toEqual(['setup done', 'steady-state stopped', 'teardown done']);
    expect(result.report).toMatchObject({ outcome: 'not-applicable', passed: true });
  });

  it("a method that outlasts the recovery deadline is recorded as not completing, and the wait decides", async () => {
    const slow = recovery(() => new Promise(() => {})); // ignores its signal: the drill must stop waiting anyway
    const { result } = await drill({ recovery: slow, steps: { 'recovery-wait': { name: 'recovery-wait', async run(d) { d.waited = { putGet: [], why: d.methodFailure ?? '', diagnoses: [] }; return 'next'; } } } });
    expect(result.report.timeline.map((t) => t.event)).toEqual(expect.arrayContaining([expect.stringMatching(/^method did not complete: method fake-method still running at the recovery deadline \(5 s\)$/)]));
  }, 15_000);
});

import { join } from 'node:path';
import { CleanupStack } from '../common/cleanup-stack.js';
import { errorMessage, isRabbitMqUnresponsive, RunInterruptedError, toErrorRecord, type ErrorRecord } from '../common/errors.js';
import type { Redactor } from '../common/secrets.js';
import { newMethodReport, type DrillPhases, type StepName, type StepRecord } from '../core/journal.js';
import type { Scenario } from '../scenarios/scenario.js';
import { collectEvidence, diagnoseEverything } from './drill-evidence.js';
import { drillName, type DrillEnvironment, type DrillMethod, type DrillResult, type DrillRun, type DrillSettings, type DrillStep } from './drill-run.js';
import { DRILL_STEPS } from './drill-steps.js';
import { judge } from './judge.js';

export type { DrillEnvironment, DrillMethod, DrillResult, DrillSettings, DrillStep } from './drill-run.js';

/** Which phase (of the report's time split) each step's time counts to. */
const PHASE_OF: Record<StepName, keyof DrillPhases> = {
  setup: 'provisionMs',
  'steady-state': 'seedMs',
  fault: 'faultMs',
  method: 'recoveryMs',
  'recovery-wait': 'recoveryMs',
  verify: 'verifyMs',
  teardown: 'teardownMs',
};

/**
 * One drill: one recovery method on a fresh cluster, as named steps (setup → steady-state → fault → method →
 * recovery-wait → verify), each recorded with its time and status, then teardown, which runs whatever happened
 * (a failure, Ctrl-C). Every outcome is data: a step that throws after the fault because RabbitMQ does not answer
 * is the finding (not-recovered); any other throw is warren's or the machine's error; Ctrl-C is interrupted.
 *
 * @param steps the steps to run, in order (default {@link DRILL_STEPS}); tests replace the ones that need a broker.
 * @returns the method's report and what the nodes run; never throws.
 */
export async function runDrill(scenario: Scenario, method: DrillMethod, settings: DrillSettings, env: DrillEnvironment, steps: readonly DrillStep[] = DRILL_STEPS): Promise<DrillResult> {
  const { recovery, expected } = method;
  const started = Date.now();
  const log = env.log.child(`drill:${drillName(method)}`);
  const report = newMethodReport({ method: recovery.name, description: recovery.description, mechanism: recovery.mechanism(env.platform.name), expected, attempt: method.attempt ?? 1 });
  const drill: DrillRun = {
    scenario,
    method,
    settings,
    env,
    report,
    log,
    started,
    stack: new CleanupStack((what, error) => log.warn(`${what} failed: ${errorMessage(error)}`)),
    mark(text) {
      const event = env.redactor.redact(text);
      const atMs = Date.now() - started;
      report.timeline.push({ atMs, event });
      log.info(event);
      env.events.emit('step', { method: recovery.name, step: event, atMs });
    },
    rabbitmq: null,
    faultInjected: false,
  };
  let interrupted = false;
  let keptAccess: string[] | undefined;

  try {
    for (const step of steps) {
      if ((await recorded(drill, step.name, () => step.run(drill))) === 'stop') break;
    }
  } catch (error) {
    interrupted = error instanceof RunInterruptedError || env.signal.aborted;
    report.passed = false;
    // Whatever threw may quote a command line that carried a secret: reports and the timeline get it redacted.
    report.reason = interrupted ? 'interrupted' : env.redactor.redact(errorMessage(error));
    if (!interrupted && drill.faultInjected && isRabbitMqUnresponsive(error)) {
      // After the fault, RabbitMQ not answering is the finding, whatever step was waiting on it.
      report.outcome = 'not-recovered';
      drill.mark(`not recovered: ${report.reason}`);
      if (drill.cluster) await diagnoseEverything(drill.cluster, report).catch((e: unknown) => log.warn(`diagnosing failed: ${errorMessage(e)}`));
      judge(report);
    } else if (interrupted) {
      report.outcome = 'interrupted';
      drill.mark('interrupted');
    } else {
      report.outcome = 'error';
      report.error = redactedRecord(toErrorRecord(error), env.redactor);
      drill.mark(`harness error: ${report.reason}`);
    }
  } finally {
    const { cluster } = drill;
    if (cluster) {
      await collectEvidence(cluster, report, join(env.reportDir, drillName(method), 'logs'), env.reportDir).catch((error) => log.warn(`collecting logs failed: ${errorMessage(error)}`));
      if (settings.keep) keptAccess = cluster.describeAccess();
    }
    // unwind never throws: each undo's failure is logged and the next still runs.
    await recorded(drill, 'teardown', async () => {
      drill.mark('teardown');
      await drill.stack.unwind();
      return 'next';
    });
    report.durationMs = Date.now() - started;
    report.waitingOnRabbitMqMs = report.phases.provisionMs + report.phases.faultMs + report.phases.recoveryMs;
    report.harnessMs = report.durationMs - report.waitingOnRabbitMqMs;
    report.evidence = report.evidence.map((line) => env.redactor.redact(line));
  }
  return { report, rabbitmq: drill.rabbitmq, interrupted, ...(keptAccess ? { keptAccess } : {}) };
}

/** Runs one step and records it (status, start, duration, its one-line error); its time counts to its phase. */
async function recorded(drill: DrillRun, name: StepName, run: () => Promise<'next' | 'stop'>): Promise<'next' | 'stop'> {
  const atMs = Date.now() - drill.started;
  const record: StepRecord = { name, status: 'done', atMs, durationMs: 0 };
  drill.report.steps.push(record);
  try {
    const next = await run();
    if (next === 'stop') record.status = 'stopped';
    return next;
  } catch (error) {
    record.status = 'failed';
    record.error = drill.env.redactor.redact(errorMessage(error));
    throw error;
  } finally {
    record.durationMs = Date.now() - drill.started - atMs;
    drill.report.phases[PHASE_OF[name]] += record.durationMs;
    if (name === 'steady-state' && drill.prepareMs !== undefined) {
      drill.report.phases.seedMs -= drill.prepareMs;
      drill.report.phases.recoveryMs += drill.prepareMs;
    }
  }
}

/** An error record with every secret the run knows taken out of its text fields. */
function redactedRecord(record: ErrorRecord, redactor: Redactor): ErrorRecord {
  const redacted: ErrorRecord = { ...record, message: redactor.redact(record.message) };
  if (record.cause !== undefined) redacted.cause = redactor.redact(record.cause);
  return redacted;
}

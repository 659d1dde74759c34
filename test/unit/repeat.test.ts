import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/common/secrets.js';
import { tallyMethods, tallyText, newMethodReport, type MethodOutcome } from '../../src/core/journal.js';
import type { Platform } from '../../src/core/platform.js';
import { irreversible } from '../../src/faults/fault.js';
import { renderJunit } from '../../src/report/junit-reporter.js';
import { renderMarkdown } from '../../src/report/markdown-reporter.js';
import { methodCell } from '../../src/report/matrix-reporter.js';
import type { DrillStep } from '../../src/run/drill.js';
import { stepsWith } from '../../src/run/drill-steps.js';
import { RunEvents } from '../../src/run/events.js';
import { runOutcome, runScenario } from '../../src/run/runner.js';
import { Expect, method } from '../../src/scenarios/methods.js';
import { defineScenario } from '../../src/scenarios/scenario.js';
import { FakeCluster } from '../support/fake-cluster.js';

/**
 * `--repeat N`: each method drilled N times, each on a fresh cluster, counted as "recovered k of N". A method that
 * recovers in some attempts and not in others is flaky, and flaky is a finding (the run deviates) even where
 * every single attempt could be explained.
 */
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function attempt(name: string, outcome: MethodOutcome, passed: boolean) {
  return { ...newMethodReport({ method: name, description: '', mechanism: '', expected: Expect.recovers() }), outcome, passed };
}

describe('tallyMethods', () => {
  it('counts each method\'s attempts, in first-seen order', () => {
    const tallies = tallyMethods([attempt('a', 'recovered', true), attempt('b', 'not-recovered', true), attempt('a', 'recovered', true), attempt('a', 'error', false)]);
    expect(tallies).toEqual([
      { method: 'a', attempts: 3, recovered: 2, notRecovered: 0, other: 1, metExpectation: 2, flaky: false },
      { method: 'b', attempts: 1, recovered: 0, notRecovered: 1, other: 0, metExpectation: 1, flaky: false },
    ]);
    expect(tallyText(tallies[0]!)).toBe('recovered 2 of 3');
  });

  it('calls a method flaky when it recovered in some attempts and not in others', () => {
    const [tally] = tallyMethods([attempt('a', 'recovered', true), attempt('a', 'not-recovered', false), attempt('a', 'recovered', true)]);
    expect(tally).toMatchObject({ recovered: 2, notRecovered: 1, flaky: true });
    expect(tallyText(tally!)).toBe('recovered 2 of 3 (flaky)');
  });

  it('makes a flaky method a finding even when every attempt met its expectation', () => {
    // Only an expectation that admits both outcomes lets both pass; the run still deviates.
    expect(runOutcome([attempt('a', 'recovered', true), attempt('a', 'not-recovered', true)], false)).toBe('deviated');
    // The negative control: the same outcome every time passes.
    expect(runOutcome([attempt('a', 'not-recovered', true), attempt('a', 'not-recovered', true)], false)).toBe('passed');
  });
});

/** Runs a scenario of two methods with `repeat`, on fake clusters, with verify giving `outcomes` in turn. */
async function repeated(repeat: number, outcomes: ('recovered' | 'not-recovered')[]) {
  const runIds: string[] = [];
  const logDirs: string[] = [];
  const reportDir = await mkdtemp(join(tmpdir(), 'warren-repeat-'));
  dirs.push(reportDir);
  /** A fake cluster that remembers where the drill asked for its logs. */
  class LogRecordingCluster extends FakeCluster {
    override async collectLogs(dir: string): Promise<string[]> {
      logDirs.push(relative(reportDir, dir));
      return [];
    }
  }
  const platform: Platform = {
    name: 'local',
    preflight: async () => undefined,
    provision: async (spec) => {
      runIds.push(spec.runId);
      return new LogRecordingCluster({ runId: spec.runId });
    },
  };
  let drills = 0;
  const steps: Partial<Record<DrillStep['name'], DrillStep>> = {
    'steady-state': {
      name: 'steady-state',
      async run(drill) {
        drill.baseline = { runningNodes: drill.cluster!.nodes.map((n) => n.nodeName), queues: [], users: [], vhosts: [], policies: [], exchanges: [], bindings: [] } as never;
        drill.seeded = [];
        return 'next';
      },
    },
    'recovery-wait': { name: 'recovery-wait', run: async () => 'next' },
    verify: {
      name: 'verify',
      async run(drill) {
        const outcome = outcomes[drills++ % outcomes.length]!;
        drill.report.outcome = outcome;
        drill.report.passed = outcome === drill.method.expected.outcome;
        return 'next';
      },
    },
  };
  const fakeRecovery = (name: string) => ({ name, description: 'd', requires: [], wipesData: false, mechanism: () => 'm', apply: async () => undefined });
  const scenario = defineScenario({
    name: 'fake-race',
    description: 'a race',
    fault: { name: 'fake-fault', description: 'd', requires: [], inject: async () => irreversible },
    methods: [method(fakeRecovery('first'), Expect.recovers()), method(fakeRecovery('second'), Expect.recovers())],
  });
  const started: string[] = [];
  const events = new RunEvents().on('drillStarted', ({ method: name, attempt: k, repeat: n }) => started.push(`${name} ${k}/${n}`));
  const redactor = new Redactor();
  const { report } = await runScenario({
    scenario,
    methods: ['first', 'second'],
    repeat,
    platform,
    runId: 'r1',
    reportDir,
    signal: new AbortController().signal,
    events,
    redactor,
    nodes: 3,
    startPolicy: 'OrderedReady',
    tableWait: { retryTimeoutMs: 1_000, retryLimit: 1 },
    rabbitmq: { series: '3.10', metadataStore: 'mnesia' },
    messagesPerQueue: 1,
    recoveryTimeoutMs: 5_000,
    keep: false,
    steps: stepsWith(steps),
  });
  return { report, runIds, started, logDirs };
}

describe('runScenario with repeat', () => {
  it('refuses a repeat that is not a whole number from 1 to 100 before anything starts', async () => {
    for (const bad of [0, 1.5, Number.NaN, 101]) await expect(repeated(bad, ['recovered'])).rejects.toThrow(/^repeat must be a whole number from 1 to 100/);
  });

  it('drills each method N times, each on a fresh cluster with its own run id and log directory', async () => {
    const { report, runIds, started, logDirs } = await repeated(3, ['recovered']);
    expect(started).toEqual(['first 1/3', 'first 2/3', 'first 3/3', 'second 1/3', 'second 2/3', 'second 3/3']);
    expect(runIds).toEqual(['r1-first-1', 'r1-first-2', 'r1-first-3', 'r1-second-1', 'r1-second-2', 'r1-second-3']);
    expect(logDirs).toEqual(['first-1/logs', 'first-2/logs', 'first-3/logs', 'second-1/logs', 'second-2/logs', 'second-3/logs']);
    expect(report.repeat).toBe(3);
    expect(report.methods.map((m) => `${m.method}#${m.attempt}`)).toEqual(['first#1', 'first#2', 'first#3', 'second#1', 'second#2', 'second#3']);
    expect(report.tallies.map(tallyText)).toEqual(['recovered 3 of 3', 'recovered 3 of 3']);
    expect(report.outcome).toBe('passed');
  });

  it('reports a method that recovers in some attempts only as flaky, and the run deviates', async () => {
    const { report } = await repeated(3, ['recovered', 'not-recovered', 'recovered']);
    // first: recovered, not, recovered; second: not, recovered, recovered.
    expect(report.tallies.map(tallyText)).toEqual(['recovered 2 of 3 (flaky)', 'recovered 2 of 3 (flaky)']);
    expect(report.outcome).toBe('deviated');
    expect(methodCell(report, 'first')).toBe('✘ recovered 2 of 3 (flaky), expected recovered, messages kept (met 2 of 3)');
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Repeated: each method 3 times, each on a fresh cluster');
    expect(markdown).toMatch(/\| first \| 2 of 3 \| 1 \| 0 \| 2 of 3 \| ⚠ yes/);
    expect(markdown).toContain('## first #2: ');
    expect(renderJunit(report)).toContain('name="first #2"');
    expect(renderJunit(report)).toContain('<property name="tally.first" value="recovered 2 of 3 (flaky)"/>');
    expect(renderJunit(report)).toMatch(/<testcase classname="warren.fake-race" name="first \(flaky\)" time="0.000">\n\s*<failure message="flaky: recovered 2 of 3 \(flaky\);/);
  });

  it('keeps one drill per method, and the names of before, without --repeat', async () => {
    const { report, runIds, logDirs } = await repeated(1, ['recovered']);
    expect(runIds).toEqual(['r1-first', 'r1-second']);
    expect(logDirs).toEqual(['first/logs', 'second/logs']);
    expect(report.tallies.map(tallyText)).toEqual(['recovered 1 of 1', 'recovered 1 of 1']);
    expect(methodCell(report, 'first')).toBe('✔ recovered');
    expect(renderMarkdown(report)).not.toContain('## Repeated');
    expect(renderJunit(report)).not.toContain('(flaky)');
    expect(renderMarkdown(report)).toContain('## first: ');
  });
});

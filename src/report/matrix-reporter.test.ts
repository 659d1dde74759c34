import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newMethodReport, type MethodReport, type RunOutcome, type RunReport } from '../run/journal.js';
import type { Scenario } from '../scenarios/scenario.js';
import { matrixOutcome, matrixRun, scenarioSlug, writeMatrix, type MatrixJson, type MatrixRun } from './matrix-reporter.js';

function method(overrides: Partial<MethodReport> & Pick<MethodReport, 'method' | 'outcome' | 'passed'>): MethodReport {
  return { ...newMethodReport({ method: overrides.method, description: 'fake', mechanism: 'fake', expected: { outcome: 'recovered', messages: 'kept' } }), ...overrides };
}

function report(scenario: string, outcome: RunOutcome, startedAt: string, endedAt: string, methods: MethodReport[]): RunReport {
  return {
    tool: { name: 'warren', version: '0.0.0-fake' },
    runId: 'fake0001',
    scenario,
    description: 'a fake outage for tests',
    platform: 'local',
    rabbitmq: { version: null, metadataStore: null },
    nodes: 3,
    startPolicy: 'OrderedReady',
    settings: { tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 }, messagesPerQueue: 10, recoveryTimeoutMs: 60_000 },
    startedAt,
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(startedAt),
    outcome,
    methods,
  };
}

const fakeDiagnosis = { meaning: 'fake', source: 'client' as const, node: 'fake-0', count: 1, evidence: 'fake' };

function fixture(): MatrixRun[] {
  const first = report('fake-outage', 'passed', '2001-01-01T00:00:00.000Z', '2001-01-01T00:01:00.000Z', [
    method({ method: 'none', expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] }, outcome: 'not-recovered', passed: true }),
    method({ method: 'fake-restart', outcome: 'recovered', passed: true, timeToRecoverMs: 32_700 }),
    method({ method: 'fake-boot', outcome: 'not-applicable', passed: true }),
  ]);
  const second = report('fake-outage', 'deviated', '2001-01-01T00:01:05.000Z', '2001-01-01T00:03:05.000Z', [
    method({
      method: 'none',
      expected: { outcome: 'not-recovered', diagnoses: ['access-refused'] },
      outcome: 'not-recovered',
      passed: true,
      diagnoses: [
        { ...fakeDiagnosis, signature: 'access-refused' },
        { ...fakeDiagnosis, signature: 'access-refused', node: 'fake-1' },
        { ...fakeDiagnosis, signature: 'split-cluster' },
      ],
    }),
    method({ method: 'fake-restart', outcome: 'not-recovered', passed: false }),
    method({ method: 'fake-reimport', expected: { outcome: 'not-recovered', diagnoses: ['split-cluster'] }, outcome: 'not-recovered', passed: false }),
  ]);
  return [
    { report: first, label: 'fake-outage', slug: 'fake-outage', rollout: 'reinstall' },
    { report: second, label: 'fake-outage --rollout rolling', slug: 'fake-outage-rollout-rolling', rollout: 'rolling' },
  ];
}

/** The matrix row of a scenario, split into its cells. */
function row(markdown: string, label: string): string[] {
  const line = markdown.split('\n').find((candidate) => candidate.startsWith(`| [${label}](`));
  if (line === undefined) throw new Error(`no row for ${label}`);
  return line.slice(2, -2).split(' | ');
}

describe('writeMatrix', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function written(runs: MatrixRun[], options = {}): Promise<{ markdown: string; json: MatrixJson; paths: string[] }> {
    dir = await mkdtemp(join(tmpdir(), 'warren-matrix-'));
    const paths = await writeMatrix(runs, join(dir, 'nested'), options);
    return { markdown: await readFile(paths[0]!, 'utf8'), json: JSON.parse(await readFile(paths[1]!, 'utf8')) as MatrixJson, paths };
  }

  it('writes matrix.md and matrix.json into the directory, creating it', async () => {
    const { paths } = await written(fixture());
    expect(paths).toEqual([join(dir!, 'nested', 'matrix.md'), join(dir!, 'nested', 'matrix.json')]);
  });

  it('has one row per scenario and one column per method, in first-seen order', async () => {
    const { markdown } = await written(fixture());
    expect(markdown.split('\n')[0]).toBe('# warren matrix on local: ❌ deviated (a finding)');
    expect(markdown).toContain('| Scenario | Outcome | none | fake-restart | fake-boot | fake-reimport |');
    expect(markdown).toContain('- **Wall time:** 185.0 s');
  });

  it('says in each cell whether the method met its expectation', async () => {
    const { markdown } = await written(fixture());
    expect(row(markdown, 'fake-outage')).toEqual(['[fake-outage](fake-outage/report.md)', '✅ passed', '✔ not-recovered (ordered-ready-deadlock)', '✔ recovered 32.7 s', 'n/a', '—']);
    expect(row(markdown, 'fake-outage --rollout rolling')).toEqual([
      '[fake-outage --rollout rolling](fake-outage-rollout-rolling/report.md)',
      '❌ deviated (a finding)',
      '✔ not-recovered (access-refused)',
      '✘ not-recovered, expected recovered, messages kept',
      '—',
      '✘ not-recovered, expected not-recovered (split-cluster)',
    ]);
  });

  it('summarises each run in matrix.json with distinct diagnosis signatures and a path to its report', async () => {
    const { json } = await written(fixture());
    expect(json).toMatchObject({ startedAt: '2001-01-01T00:00:00.000Z', durationMs: 185_000, outcome: 'deviated', notRun: [] });
    expect(json.scenarios.map((scenario) => [scenario.scenario, scenario.rollout, scenario.outcome, scenario.report])).toEqual([
      ['fake-outage', 'reinstall', 'passed', 'fake-outage/report.json'],
      ['fake-outage', 'rolling', 'deviated', 'fake-outage-rollout-rolling/report.json'],
    ]);
    expect(json.scenarios[0]!.methods[1]).toEqual({
      method: 'fake-restart',
      expected: { outcome: 'recovered', messages: 'kept' },
      outcome: 'recovered',
      passed: true,
      timeToRecoverMs: 32_700,
      messages: null,
      diagnoses: [],
    });
    expect(json.scenarios[1]!.methods[0]!.diagnoses).toEqual(['access-refused', 'split-cluster']);
  });

  it('is interrupted when scenarios were never started, and names them', async () => {
    const { markdown, json } = await written(fixture().slice(0, 1), { notRun: ['fake-outage --rollout rolling'] });
    expect(json.outcome).toBe('interrupted');
    expect(json.notRun).toEqual(['fake-outage --rollout rolling']);
    expect(markdown).toContain('⏹️ interrupted');
    expect(markdown).toContain('- **Not run (interrupted):** fake-outage --rollout rolling');
  });
});

describe('matrixOutcome', () => {
  it.each<[RunOutcome[], RunOutcome]>([
    [['passed', 'passed'], 'passed'],
    [['passed', 'deviated'], 'deviated'],
    [['deviated', 'error', 'passed'], 'error'],
    [['error', 'interrupted', 'deviated'], 'interrupted'],
    [[], 'passed'],
  ])('%j → %s', (outcomes, expected) => {
    expect(matrixOutcome(outcomes)).toBe(expected);
  });

  it('is interrupted when the matrix stopped early, whatever the runs did', () => {
    expect(matrixOutcome(['passed'], true)).toBe('interrupted');
  });
});

describe('scenarioSlug and matrixRun', () => {
  const rolling = { name: 'fake-outage', rollout: 'rolling', methods: [] } as unknown as Scenario;
  const base = { name: 'fake-outage', rollout: 'reinstall', methods: [], variants: { rolling } } as unknown as Scenario;
  const plain = { name: 'fake-plain', methods: [] } as unknown as Scenario;

  it('names a variant after its rollout, and nothing else', () => {
    expect([base, rolling, plain].map(scenarioSlug)).toEqual(['fake-outage', 'fake-outage-rollout-rolling', 'fake-plain']);
  });

  it('carries the label, slug and rollout beside the report', () => {
    const fake = fixture()[0]!.report;
    expect(matrixRun(rolling, fake)).toEqual({ report: fake, label: 'fake-outage --rollout rolling', slug: 'fake-outage-rollout-rolling', rollout: 'rolling' });
    expect(matrixRun(plain, fake)).toMatchObject({ label: 'fake-plain', slug: 'fake-plain', rollout: null });
  });
});

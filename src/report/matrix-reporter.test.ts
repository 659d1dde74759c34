import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseKey } from '../core/rabbitmq-release.js';
import { newMethodReport, tallyMethods, type MessageCounts, type MethodReport, type RunOutcome, type RunReport } from '../core/journal.js';
import type { Scenario } from '../scenarios/scenario.js';
import { matrixOutcome, matrixRun, releaseDirName, runLabel, runSlug, scenarioSlug, writeMatrix, type MatrixJson, type MatrixRun } from './matrix-reporter.js';

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
    settings: { tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 }, messagesPerQueue: 10, recoveryTimeoutMs: 60_000, terminationGracePeriodSeconds: 30, livenessProbe: null },
    startedAt,
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(startedAt),
    outcome,
    repeat: 1,
    methods,
    tallies: tallyMethods(methods),
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
    { report: first, label: 'fake-outage', slug: 'fake-outage', rollout: 'reinstall', variant: null, release: '3.10/mnesia' },
    { report: second, label: 'fake-outage --rollout rolling', slug: 'fake-outage-rollout-rolling', rollout: 'rolling', variant: '--rollout rolling', release: '3.10/mnesia' },
  ];
}

function ledger(confirmed: number, lost: number): MessageCounts & { byQueueType: Record<'classic' | 'quorum', MessageCounts> } {
  const counts = { published: confirmed, confirmed, recovered: confirmed - lost, lost, duplicated: 0, unexpected: 0 };
  return { ...counts, byQueueType: { classic: counts, quorum: { ...counts, recovered: confirmed, lost: 0 } } };
}

/** One run of a two-release matrix, with what its nodes reported. */
function onRelease(
  release: ReleaseKey,
  rabbitmq: RunReport['rabbitmq'],
  [scenario, outcome, startedAt, endedAt, methods]: Parameters<typeof report>,
): MatrixRun {
  return { report: { ...report(scenario, outcome, startedAt, endedAt, methods), rabbitmq }, label: scenario, slug: `${scenario}/${releaseDirName(release)}`, rollout: null, variant: null, release };
}

/**
 * Two scenarios on 3.10/mnesia and 4.3/khepri, given 4.3 first (the matrix still shows RELEASES order). On 4.3
 * fake-outage's fake-restart stays down against its expectation: the negative control, deviated on 4.3 only.
 * Runs take 60 + 30 s on 3.10 and 120 + 45 s on 4.3; the matrix spans 00:00:00 to 00:05:00.
 */
function twoReleases(): MatrixRun[] {
  const on310 = { version: '3.10.8', metadataStore: 'mnesia' as const, erlang: '25.2.3' };
  const on43 = { version: '4.3.6', metadataStore: 'khepri' as const, erlang: '29.1.1' };
  return [
    onRelease('4.3/khepri', on43, ['fake-outage', 'deviated', '2001-01-01T00:02:00.000Z', '2001-01-01T00:04:00.000Z', [
      method({ method: 'none', expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] }, outcome: 'not-recovered', passed: true }),
      method({ method: 'fake-restart', outcome: 'not-recovered', passed: false }),
    ]]),
    onRelease('4.3/khepri', on43, ['fake-plain', 'passed', '2001-01-01T00:04:15.000Z', '2001-01-01T00:05:00.000Z', [
      method({ method: 'fake-restart', expected: { outcome: 'recovered', messages: 'lost' }, outcome: 'recovered', passed: true, timeToRecoverMs: 12_500, messages: ledger(20, 3) }),
    ]]),
    onRelease('3.10/mnesia', on310, ['fake-outage', 'passed', '2001-01-01T00:00:00.000Z', '2001-01-01T00:01:00.000Z', [
      method({ method: 'none', expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] }, outcome: 'not-recovered', passed: true }),
      method({ method: 'fake-restart', outcome: 'recovered', passed: true, timeToRecoverMs: 32_700 }),
    ]]),
    onRelease('3.10/mnesia', { version: '3.10.8', metadataStore: 'mnesia', erlang: null }, ['fake-plain', 'passed', '2001-01-01T00:01:10.000Z', '2001-01-01T00:01:40.000Z', [
      method({ method: 'fake-restart', expected: { outcome: 'recovered', messages: 'lost' }, outcome: 'recovered', passed: true, timeToRecoverMs: 10_000, messages: ledger(20, 0) }),
    ]]),
  ];
}

/** The row of a table whose first cells are `first`, split into its cells. */
function cells(markdown: string, ...first: string[]): string[] {
  const line = markdown.split('\n').find((candidate) => candidate.startsWith(`| ${first.join(' | ')} |`));
  if (line === undefined) throw new Error(`no row for ${first.join(' / ')}`);
  return line.slice(2, -2).split(' | ');
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
      attempt: 1,
      expected: { outcome: 'recovered', messages: 'kept' },
      outcome: 'recovered',
      passed: true,
      timeToRecoverMs: 32_700,
      messages: null,
      diagnoses: [],
    });
    expect(json.scenarios[1]!.methods[0]!.diagnoses).toEqual(['access-refused', 'split-cluster']);
  });

  it('ends with the release the nodes ran, its runs and their time summed, and keeps the one-release table', async () => {
    const { markdown } = await written(fixture());
    expect(markdown).not.toContain('## Scenarios');
    expect(markdown).toContain('## Releases\n\n| Release | RabbitMQ | Erlang/OTP | Metadata store | Runs | Wall time, runs summed (s) |');
    expect(cells(markdown, '3.10/mnesia')).toEqual(['3.10/mnesia', '—', '—', '—', '2 (1 passed)', '180.0']);
  });

  it('is interrupted when scenarios were never started, and names them', async () => {
    const { markdown, json } = await written(fixture().slice(0, 1), { notRun: ['fake-outage --rollout rolling'] });
    expect(json.outcome).toBe('interrupted');
    expect(json.notRun).toEqual(['fake-outage --rollout rolling']);
    expect(markdown).toContain('⏹️ interrupted');
    expect(markdown).toContain('- **Not run (interrupted):** fake-outage --rollout rolling');
  });
});

describe('writeMatrix on two releases', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function written(runs: MatrixRun[], options = {}): Promise<{ markdown: string; json: MatrixJson }> {
    dir = await mkdtemp(join(tmpdir(), 'warren-matrix-'));
    const paths = await writeMatrix(runs, dir, options);
    return { markdown: await readFile(paths[0]!, 'utf8'), json: JSON.parse(await readFile(paths[1]!, 'utf8')) as MatrixJson };
  }

  it('shows each run outcome per release, side by side in RELEASES order, each linking its report', async () => {
    const { markdown } = await written(twoReleases());
    expect(markdown.split('\n')[0]).toBe('# warren matrix on local: ❌ deviated (a finding)');
    expect(markdown).toContain('- **Runs:** 4 (3 passed), 2 scenarios on 2 releases');
    expect(markdown).toContain('- **Wall time:** 300.0 s');
    expect(markdown).toContain('## Scenarios\n\n| Scenario | 3.10/mnesia | 4.3/khepri |');
    expect(cells(markdown, 'fake-outage')).toEqual(['fake-outage', '[✅ passed](fake-outage/3.10-mnesia/report.md)', '[❌ deviated (a finding)](fake-outage/4.3-khepri/report.md)']);
    expect(cells(markdown, 'fake-plain')).toEqual(['fake-plain', '[✅ passed](fake-plain/3.10-mnesia/report.md)', '[✅ passed](fake-plain/4.3-khepri/report.md)']);
  });

  it('has one row per scenario × method and one column per release, with time to recover and messages lost', async () => {
    const { markdown } = await written(twoReleases());
    expect(markdown).toContain('## Methods\n\n| Scenario | Method | 3.10/mnesia | 4.3/khepri |');
    expect(cells(markdown, 'fake-outage', 'none')).toEqual(['fake-outage', 'none', '✔ not-recovered (ordered-ready-deadlock)', '✔ not-recovered (ordered-ready-deadlock)']);
    expect(cells(markdown, 'fake-plain', 'fake-restart')).toEqual(['fake-plain', 'fake-restart', '✔ recovered 10.0 s', '✔ recovered 12.5 s, 3 lost']);
    expect(markdown.split('\n').filter((line) => /^\| fake-(outage|plain) \| [a-z-]+ \|/.test(line))).toHaveLength(3);
  });

  it('shows a deviation in the column of the release that deviated only (negative control)', async () => {
    const { markdown } = await written(twoReleases());
    const [, , on310, on43] = cells(markdown, 'fake-outage', 'fake-restart');
    expect(on310).toBe('✔ recovered 32.7 s');
    expect(on43).toBe('✘ not-recovered, expected recovered, messages kept');
    const deviatedRows = markdown.split('\n').filter((line) => line.startsWith('|') && (line.includes('✘') || line.includes('❌')));
    expect(deviatedRows).toEqual([
      '| fake-outage | [✅ passed](fake-outage/3.10-mnesia/report.md) | [❌ deviated (a finding)](fake-outage/4.3-khepri/report.md) |',
      '| fake-outage | fake-restart | ✔ recovered 32.7 s | ✘ not-recovered, expected recovered, messages kept |',
    ]);
  });

  it('lists each release with what its nodes reported and the wall time of its runs summed', async () => {
    const { markdown } = await written(twoReleases());
    expect(markdown).toContain('## Releases\n\n| Release | RabbitMQ | Erlang/OTP | Metadata store | Runs | Wall time, runs summed (s) |');
    expect(cells(markdown, '3.10/mnesia')).toEqual(['3.10/mnesia', '3.10.8', '25.2.3', 'mnesia', '2 (2 passed)', '90.0']);
    expect(cells(markdown, '4.3/khepri')).toEqual(['4.3/khepri', '4.3.6', '29.1.1', 'khepri', '2 (1 passed)', '165.0']);
  });

  it('shows a release not run for a scenario as —, and names the runs an interruption left out', async () => {
    const runs = twoReleases().filter((run) => !(run.label === 'fake-plain' && run.release === '4.3/khepri'));
    const { markdown } = await written(runs, { notRun: ['fake-plain on 4.3/khepri'] });
    expect(cells(markdown, 'fake-plain')).toEqual(['fake-plain', '[✅ passed](fake-plain/3.10-mnesia/report.md)', '—']);
    expect(cells(markdown, 'fake-plain', 'fake-restart')).toEqual(['fake-plain', 'fake-restart', '✔ recovered 10.0 s', '—']);
    expect(markdown).toContain('- **Not run (interrupted):** fake-plain on 4.3/khepri');
  });

  it('gives each run its release and what the nodes reported in matrix.json, and each release its summary', async () => {
    const { json } = await written(twoReleases());
    expect(json.scenarios.map((scenario) => [scenario.scenario, scenario.release, scenario.rabbitmq, scenario.report])).toEqual([
      ['fake-outage', '4.3/khepri', { version: '4.3.6', metadataStore: 'khepri', erlang: '29.1.1' }, 'fake-outage/4.3-khepri/report.json'],
      ['fake-plain', '4.3/khepri', { version: '4.3.6', metadataStore: 'khepri', erlang: '29.1.1' }, 'fake-plain/4.3-khepri/report.json'],
      ['fake-outage', '3.10/mnesia', { version: '3.10.8', metadataStore: 'mnesia', erlang: '25.2.3' }, 'fake-outage/3.10-mnesia/report.json'],
      ['fake-plain', '3.10/mnesia', { version: '3.10.8', metadataStore: 'mnesia', erlang: null }, 'fake-plain/3.10-mnesia/report.json'],
    ]);
    expect(json.releases).toEqual([
      { release: '3.10/mnesia', versions: ['3.10.8'], metadataStores: ['mnesia'], erlangVersions: ['25.2.3'], runs: 2, passed: 2, durationMs: 90_000 },
      { release: '4.3/khepri', versions: ['4.3.6'], metadataStores: ['khepri'], erlangVersions: ['29.1.1'], runs: 2, passed: 1, durationMs: 165_000 },
    ]);
  });

  it('shows every value the runs of one release reported when they disagree', async () => {
    const runs = twoReleases();
    runs[1]!.report.rabbitmq = { version: '4.3.6', metadataStore: 'mnesia', erlang: '29.1.1' };
    const { markdown } = await written(runs);
    expect(cells(markdown, '4.3/khepri')).toEqual(['4.3/khepri', '4.3.6', '29.1.1', 'khepri, mnesia', '2 (1 passed)', '165.0']);
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
  const rolling = { name: 'fake-outage', variant: { option: '--rollout', value: 'rolling' }, methods: [] } as unknown as Scenario;
  const base = { name: 'fake-outage', variant: { option: '--rollout', value: 'reinstall' }, methods: [], variants: { rolling } } as unknown as Scenario;
  const plain = { name: 'fake-plain', methods: [] } as unknown as Scenario;

  it('names a variant after its rollout, and nothing else', () => {
    expect([base, rolling, plain].map(scenarioSlug)).toEqual(['fake-outage', 'fake-outage-rollout-rolling', 'fake-plain']);
  });

  it('carries the label, slug, rollout and release beside the report', () => {
    const fake = fixture()[0]!.report;
    expect(matrixRun(rolling, fake, '3.10/mnesia')).toEqual({ report: fake, label: 'fake-outage --rollout rolling', slug: 'fake-outage-rollout-rolling', rollout: 'rolling', variant: '--rollout rolling', release: '3.10/mnesia' });
    expect(matrixRun(plain, fake, '4.3/khepri', 'fake-plain/4.3-khepri')).toMatchObject({ label: 'fake-plain', slug: 'fake-plain/4.3-khepri', rollout: null, release: '4.3/khepri' });
  });

  it('puts a run in a subdirectory per release, and names the release, only when the caller gives one', () => {
    expect(runSlug(rolling, null)).toBe('fake-outage-rollout-rolling');
    expect(runSlug(rolling, '4.0/khepri')).toBe('fake-outage-rollout-rolling/4.0-khepri');
    expect(runLabel(plain, null)).toBe('fake-plain');
    expect(runLabel(rolling, '4.3/khepri')).toBe('fake-outage --rollout rolling on 4.3/khepri');
  });
});

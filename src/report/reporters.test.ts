import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newMethodReport, tallyMethods, type MethodReport, type RunReport } from '../core/journal.js';
import { writeJsonReport } from './json-reporter.js';
import { escapeXml, renderJunit } from './junit-reporter.js';
import { renderMarkdown } from './markdown-reporter.js';
import { writeReports } from './reporters.js';

const NASTY = `quorum queue <warren.probe.quorum> & "friends" aren't ok`;

function method(overrides: Partial<MethodReport> & Pick<MethodReport, 'method' | 'outcome' | 'passed'>): MethodReport {
  const base = newMethodReport({ method: overrides.method, description: `${overrides.method} drill`, mechanism: 'does the thing', expected: { outcome: 'recovered', messages: 'kept' } });
  return {
    ...base,
    durationMs: 60_000,
    phases: { provisionMs: 20_000, seedMs: 2_000, faultMs: 10_000, recoveryMs: 20_000, verifyMs: 3_000, teardownMs: 5_000 },
    waitingOnRabbitMqMs: 50_000,
    harnessMs: 10_000,
    ...overrides,
  };
}

function fixture(): RunReport {
  const built: Omit<RunReport, 'repeat' | 'tallies'> = {
    tool: { name: 'warren', version: '0.1.0' },
    runId: 'r3f2a',
    scenario: 'full-shutdown',
    description: 'Stop every node gracefully, then start them again.',
    platform: 'local',
    rabbitmq: { version: '3.10.8', metadataStore: 'mnesia' },
    nodes: 3,
    startPolicy: 'OrderedReady',
    settings: { tableWait: { retryTimeoutMs: 5_000, retryLimit: 2 }, messagesPerQueue: 50, recoveryTimeoutMs: 180_000, terminationGracePeriodSeconds: 30, livenessProbe: null },
    startedAt: '2025-01-02T03:04:05.000Z',
    endedAt: '2025-01-02T03:09:05.000Z',
    durationMs: 300_000,
    outcome: 'deviated',
    methods: [
      method({
        method: 'parallel-restart',
        outcome: 'recovered',
        passed: true,
        timeToRecoverMs: 18_234,
        durationMs: 63_200,
        messages: { published: 200, confirmed: 200, recovered: 200, lost: 0, duplicated: 0, unexpected: 0, byQueueType: { classic: { published: 200, confirmed: 200, recovered: 200, lost: 0, duplicated: 0, unexpected: 0 }, quorum: { published: 0, confirmed: 0, recovered: 0, lost: 0, duplicated: 0, unexpected: 0 } } },
        checks: [{ name: 'put-get', ok: true }],
        putGet: [
          { node: 'rabbit-0@localhost', ordinal: 0, queue: 'warren.probe.classic', queueType: 'classic', mode: 'get', ok: true, latencyMs: 12 },
          { node: 'rabbit-0@localhost', ordinal: 0, queue: 'warren.probe.quorum', queueType: 'quorum', mode: 'get', ok: true, latencyMs: 30 },
          { node: 'rabbit-1@localhost', ordinal: 1, queue: 'warren.probe.classic', queueType: 'classic', mode: 'get', ok: true, latencyMs: 11 },
          { node: 'rabbit-1@localhost', ordinal: 1, queue: 'warren.probe.quorum', queueType: 'quorum', mode: 'get', ok: false, latencyMs: 3_000, error: 'timeout | no reply' },
        ],
        timeline: [
          { atMs: 0, event: 'fault: stop nodes 0,1,2' },
          { atMs: 18_234, event: 'put/get works on every node' },
        ],
        pods: [{ ordinal: 0, nodeName: 'rabbit-0@localhost', phase: 'ready', restarts: 1, bootFailures: 0 }],
        logs: ['rabbit-0.log'],
      }),
      method({
        method: 'none',
        expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] },
        outcome: 'not-recovered',
        passed: true,
        durationMs: 45_000,
        diagnoses: [
          {
            signature: 'timeout_waiting_for_tables',
            meaning: 'node waited for peers that never came',
            source: 'log',
            node: 'rabbit-0@localhost',
            count: 3,
            evidence: 'Error while waiting for Mnesia tables: {timeout_waiting_for_tables,[`x`|y]}',
          },
        ],
        evidence: ['\x1b[31mBOOT FAILED\x1b[0m', 'Timeout contacting cluster nodes'],
      }),
      method({
        method: 'force-boot',
        outcome: 'not-recovered',
        passed: false,
        reason: NASTY,
        messages: { published: 200, confirmed: 198, recovered: 190, lost: 8, duplicated: 1, unexpected: 0, byQueueType: { classic: { published: 200, confirmed: 198, recovered: 190, lost: 8, duplicated: 1, unexpected: 0 }, quorum: { published: 0, confirmed: 0, recovered: 0, lost: 0, duplicated: 0, unexpected: 0 } } },
        checks: [
          { name: 'cluster-formed', ok: true },
          { name: 'put-get', ok: false, reason: 'node 2: connection refused' },
        ],
      }),
      method({ method: 'force-load-file', outcome: 'not-applicable', passed: true, reason: 'Khepri metadata store: force_load is never read', durationMs: 0 }),
      method({
        method: 'definitions-reimport',
        outcome: 'error',
        passed: false,
        reason: 'harness broke',
        error: { name: 'ClusterCommandError', message: 'rabbitmqctl: export_definitions failed', cause: 'exit 69' },
      }),
    ],
  };
  return { ...built, repeat: 1, tallies: tallyMethods(built.methods) };
}

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(fixture());

  it('titles the run with its scenario, platform, RabbitMQ, nodes, start policy, date and outcome', () => {
    expect(markdown.split('\n')[0]).toBe('# full-shutdown on local: ❌ deviated (a finding)');
    expect(markdown).toContain('3.10.8, metadata store Mnesia');
    expect(markdown).toContain('- **Nodes:** 3, start policy OrderedReady');
    expect(markdown).toContain('2025-01-02 03:04:05 UTC');
    expect(markdown).toContain('(2 of 4 methods met their expectation, 1 not applicable)');
  });

  it('lists the settings used', () => {
    expect(markdown).toContain('| Mnesia table wait retry timeout (`mnesia_table_loading_retry_timeout`) | 5000 ms |');
    expect(markdown).toContain('| Mnesia table wait retry limit (`mnesia_table_loading_retry_limit`) | 2 |');
    expect(markdown).toContain('| Messages seeded per queue | 50 |');
    expect(markdown).toContain('| Recovery timeout | 180.0 s |');
  });

  it('has one summary row per method, with ❌ on the one that missed its expectation', () => {
    expect(markdown).toContain('| parallel-restart | recovered, messages kept | recovered | ✅ | 18.2 | 0 / 0 / 200 of 200 | 63.2 |');
    expect(markdown).toContain('| none | not-recovered (ordered-ready-deadlock) | not recovered | ✅ | — | — | 45.0 |');
    expect(markdown).toContain('| force-boot | recovered, messages kept | not recovered | ❌ | — | 8 / 1 / 190 of 198 | 60.0 |');
    expect(markdown).toContain('| force-load-file | recovered, messages kept | not applicable | ➖ | — | — | 0.0 |');
    expect(markdown).toContain('| definitions-reimport | recovered, messages kept | error (harness) | ❌ | — | — | 60.0 |');
    const summary = markdown.slice(markdown.indexOf('## Summary'), markdown.indexOf('## parallel-restart'));
    expect(summary.match(/❌/g)).toHaveLength(2);
  });

  it('writes a section per method with its checks, put/get, ledger, diagnoses and timeline', () => {
    expect(markdown).toContain('## force-boot: ❌ not recovered');
    expect(markdown).toContain('### Failing checks\n\n- **put-get**: node 2: connection refused');
    expect(markdown).toContain('| cluster-formed | ✅ ok |  |');
    expect(markdown).toContain('| Node | classic get | quorum get |');
    expect(markdown).toContain('| rabbit-0@localhost | ✅ 12 ms | ✅ 30 ms |');
    expect(markdown).toContain('| rabbit-1@localhost | ✅ 11 ms | ❌ timeout \\| no reply (3000 ms) |');
    expect(markdown).toContain('| all | 200 | 198 | 190 | 8 | 1 | 0 |');
    expect(markdown).toContain('| timeout_waiting_for_tables | node waited for peers that never came | node log | rabbit-0@localhost | 3 | ``Error while waiting for Mnesia tables: {timeout_waiting_for_tables,[`x`\\|y]}`` |');
    expect(markdown).toContain('| 18.2 | put/get works on every node |');
    expect(markdown).toContain('```text\nBOOT FAILED\nTimeout contacting cluster nodes\n```');
    expect(markdown).toContain('- `rabbit-0.log`');
    expect(markdown).not.toContain('\x1b');
    expect(markdown).toContain('- **Reason:** Khepri metadata store: force_load is never read');
    expect(markdown).toContain('- **Error:** ClusterCommandError: rabbitmqctl: export_definitions failed (cause: exit 69)');
    expect(markdown).toContain('- **Reason:** quorum queue \\<warren.probe.quorum> & "friends" aren\'t ok');
    expect(markdown).not.toMatch(/(?<!\\)<[a-z]/i);
  });
});

describe('renderJunit', () => {
  const xml = renderJunit(fixture());

  it('has one suite named after scenario and platform with the right counts', () => {
    expect(xml).toContain('<testsuite name="warren.full-shutdown.local" tests="5" failures="1" errors="1" skipped="1" time="300.000"');
    expect(xml.match(/<testsuite /g)).toHaveLength(1);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toContain('<testcase classname="warren.full-shutdown" name="parallel-restart" time="63.200">');
  });

  it('marks only the method that missed its expectation as a failure, n/a as skipped, error as error', () => {
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml.match(/<error /g)).toHaveLength(1);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    const forceBoot = xml.slice(xml.indexOf('name="force-boot"'), xml.indexOf('name="force-load-file"'));
    expect(forceBoot).toContain('<failure message="expected recovered, messages kept, got not recovered; ');
    expect(forceBoot).toContain('failing checks: put-get (node 2: connection refused)');
    expect(xml).toContain('<skipped message="Khepri metadata store: force_load is never read"/>');
    expect(xml).toContain('<error message="ClusterCommandError: rabbitmqctl: export_definitions failed" type="ClusterCommandError">');
  });

  it('escapes XML special characters in a reason', () => {
    expect(xml).toContain('quorum queue &lt;warren.probe.quorum&gt; &amp; &quot;friends&quot; aren&apos;t ok');
    expect(xml).not.toContain(NASTY);
    expect(escapeXml(`<&"'>`)).toBe('&lt;&amp;&quot;&apos;&gt;');
  });

  it('drops ANSI sequences and characters XML 1.0 cannot carry', () => {
    expect(escapeXml('a\x00b\x1b[31mc\uFFFEd\uD800e\tf\ng\u{1F407}')).toBe('abcde\tf\ng\u{1F407}');
  });

  it('adds an erroring (run) case when the run itself broke', () => {
    const report = { ...fixture(), outcome: 'error' as const, methods: [], error: { name: 'EnvironmentError', message: 'rabbitmq-server: not installed' } };
    const broken = renderJunit(report);
    expect(broken).toContain('tests="1" failures="0" errors="1" skipped="0"');
    expect(broken).toContain('name="(run)"');
    expect(broken).toContain('<error message="EnvironmentError: rabbitmq-server: not installed" type="EnvironmentError">');
  });
});

describe('writeReports', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates the directory and writes report.json, report.md and junit.xml', async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-report-'));
    const target = join(dir, 'nested', 'run');
    const report = fixture();
    const paths = await writeReports(report, target);
    expect(paths).toEqual([join(target, 'report.json'), join(target, 'report.md'), join(target, 'junit.xml')]);
    expect(JSON.parse(await readFile(paths[0]!, 'utf8'))).toEqual(report);
    expect(await readFile(paths[1]!, 'utf8')).toBe(renderMarkdown(report));
    expect(await readFile(paths[2]!, 'utf8')).toBe(renderJunit(report));
  });

  it('writes pretty JSON with two spaces', async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-report-'));
    const path = await writeJsonReport(fixture(), dir);
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('{\n  "tool": {\n    "name": "warren"')).toBe(true);
  });
});

describe('a drill not applicable where its expectation said it would run (a fault impossible on that broker)', () => {
  const missed = method({ method: 'none', outcome: 'not-applicable', passed: false, reason: 'expected recovered, got not-applicable: classic queue mirroring was removed in RabbitMQ 4.0' });
  const met = method({ method: 'none', outcome: 'not-applicable', passed: true, reason: 'classic queue mirroring was removed in RabbitMQ 4.0' });
  const run = (one: MethodReport): RunReport => {
    const built = fixture();
    return { ...built, methods: [one], tallies: tallyMethods([one]) };
  };

  it('is a failure in junit.xml and ❌ in report.md, not skipped', () => {
    expect(renderJunit(run(missed))).toMatch(/<failure message="[^"]*classic queue mirroring/);
    expect(renderJunit(run(missed))).not.toMatch(/<skipped/);
    expect(renderMarkdown(run(missed))).toContain('| none | recovered, messages kept | not applicable | ❌ |');
    expect(renderMarkdown(run(missed))).toContain('(0 of 1 methods met their expectation)');
  });

  it('is skipped and ➖ when the expectation said not applicable', () => {
    expect(renderJunit(run(met))).toMatch(/<skipped message="classic queue mirroring/);
    expect(renderMarkdown(run(met))).toContain('| ➖ |');
  });
});

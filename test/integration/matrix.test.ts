import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodReport, RunReport } from '../../src/core/journal.js';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];
const CONFIRMED = 400; // 100 messages in each of 3 classic queues and 1 quorum queue

/**
 * The whole matrix of design §3 through the real CLI (`npm run scenario all`) on real RabbitMQ nodes: every
 * scenario and rollout, each checked against its expectation. One run, many assertions.
 *
 * A representative subset of the methods, to keep `.ci/run` within 45 minutes (the whole matrix is
 * `npm run scenario all`, README "Speed"). On 2026-12-02 the CI of eb4b92c took 2714 s of its 2700 (this file
 * 1185 s), so the drills another test runs with the same or more assertions left this one:
 * - parallel-restart on full-shutdown: exit-leaves-nothing.test's passing drill, with every probe and the ledger;
 * - definitions-reimport: import-majority-down.test (a superset: retried imports, quorum members, 400 lost);
 * - force-load-file: five-nodes.test (5 nodes), and its negative control in exit-leaves-nothing.test;
 * - statefulset-force-boot: on the local platform chart-force-boot's mechanism (force-boot-rendered.test renders
 *   both); the rolling restart that takes it out again is force-boot-recovery.test's, and kind's e2e drills it.
 * - force-standalone-khepri-boot, refused on 3.10 (exit 64), is left to its unit test here and to releases.test on 4.x.
 * - fresh-formation (definitions-import) and scale-down's forget-removed-nodes are left to `npm run scenario all`.
 * - queue-declared-while-member-down and delete-pod-with-drain have only `none`: both run here (about 35 s and 40 s
 *   each, /tmp/qd/310, /tmp/dr/310b).
 * - upgrade's `none` runs for both targets from 3.10 (about 40 s each: the refused boot ends the wait,
 *   /tmp/bg/310-43); its blue-green runs in releases.test (4.0 → 4.3).
 *
 * The recovery timeout is 60 s, not 120 s: every 3.10 recovery of these methods came within 26 s of the fault
 * (reports of 2026-12-01: /tmp/h3r310, /tmp/pd/310, /tmp/db/310 and the earlier matrix runs), and drills that stay
 * down without a deadlock or refusal to stop them early (distribution-blip's none: 141 s) wait half as long.
 */
const CI_METHODS = 'none,restore-credentials,chart-force-boot,restore-password,restart-partitioned-pods,scale-back';
describe.sequential('npm run scenario all (local platform, 3 real nodes per drill)', () => {
  let reportDir = '';
  let exit: { code: number | undefined; output: string } = { code: undefined, output: '' };
  const reports = new Map<string, RunReport>();

  beforeAll(async () => {
    reportDir = await mkdtemp(join(tmpdir(), 'warren-test-matrix-'));
    const result = await execa('npx', ['tsx', 'src/cli/main.ts', 'scenario', 'all', '--methods', CI_METHODS, '--recovery-timeout', '60', '--report-dir', reportDir], { reject: false, all: true });
    exit = { code: result.exitCode, output: String(result.all) };
    for (const slug of ['full-shutdown', 'delete-all-pods', 'mismatched-cookie', 'mismatched-cookie-rollout-rolling', 'helm3-reinstall-race', 'password-drift', 'distribution-blip', 'scale-down', 'queue-declared-while-member-down', 'delete-pod-with-drain', 'upgrade', 'upgrade-to-4.0']) {
      reports.set(slug, JSON.parse(await readFile(join(reportDir, slug, 'report.json'), 'utf8')) as RunReport);
    }
  }, 45 * 60_000);
  afterAll(async () => rm(reportDir, { recursive: true, force: true }));

  const method = (slug: string, name: string): MethodReport => {
    const found = reports.get(slug)?.methods.find((m) => m.method === name);
    if (!found) throw new Error(`${slug}: no method ${name}`);
    return found;
  };

  it('exits 0: every method of every scenario met its expectation', () => {
    const missed = [...reports].flatMap(([slug, report]) => report.methods.filter((m) => !m.passed).map((m) => `${slug}/${m.method}: ${m.reason}`));
    expect(missed).toEqual([]);
    expect(exit.code, exit.output.slice(-3_000)).toBe(0);
    for (const report of reports.values()) {
      expect(report).toMatchObject({ platform: 'local', nodes: 3, outcome: 'passed' });
      expect(report.rabbitmq).toEqual({ version: expect.stringMatching(/^3\.10\.\d+/), metadataStore: 'mnesia', erlang: expect.stringMatching(/^\d+\./) });
    }
  });

  it('writes the matrix: one row per scenario and rollout', async () => {
    const matrix = JSON.parse(await readFile(join(reportDir, 'matrix.json'), 'utf8')) as { outcome: string; scenarios: { scenario: string; rollout: string | null; variant: string | null }[] };
    expect(matrix.outcome).toBe('passed');
    expect(matrix.scenarios.map((s) => `${s.scenario}:${s.rollout}`)).toEqual(['full-shutdown:null', 'delete-all-pods:null', 'mismatched-cookie:reinstall', 'mismatched-cookie:rolling', 'helm3-reinstall-race:null', 'password-drift:null', 'distribution-blip:null', 'scale-down:null', 'queue-declared-while-member-down:null', 'delete-pod-with-drain:null', 'upgrade:null', 'upgrade:null']);
    expect(matrix.scenarios.map((s) => s.variant).slice(-3)).toEqual([null, null, '--to 4.0']);
    expect(await readFile(join(reportDir, 'matrix.md'), 'utf8')).toMatch(/restore-credentials/);
  });

  it.each(['full-shutdown', 'delete-all-pods'])('%s: none stays down; chart-force-boot recovers every message', (slug) => {
    const none = method(slug, 'none');
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
    expect(none.reason).toMatch(/deadlock under OrderedReady/);
    expect(none.diagnoses.map((d) => d.signature)).toEqual(expect.arrayContaining(['ordered-ready-deadlock', 'timeout-waiting-for-tables']));
    for (const name of ['chart-force-boot']) {
      const m = method(slug, name);
      expect(m, name).toMatchObject({ outcome: 'recovered', passed: true });
      expect(m.timeToRecoverMs, name).toBeGreaterThan(0);
      // Every node, both queue types, read back both ways (basic.get and basic.consume).
      const probes = NODES.flatMap((n) => ['classic', 'quorum'].flatMap((type) => ['consume', 'get'].map((mode) => `${n}:${type}:${mode}`)));
      expect(m.putGet.filter((p) => p.ok).map((p) => `${p.node}:${p.queueType}:${p.mode}`).sort(), name).toEqual(probes);
      expect(m.messages, name).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
      expect(m.checks.every((check) => check.ok), `${name}: ${JSON.stringify(m.checks)}`).toBe(true);
    }
    // On local both force-boot methods share one mechanism, and the report says so.
    expect(method(slug, 'chart-force-boot').mechanism).toMatch(/share one mechanism/);
  });

  it.each(['mismatched-cookie', 'mismatched-cookie-rollout-rolling'])('%s: restore-credentials recovers with 0 messages lost', (slug) => {
    const m = method(slug, 'restore-credentials');
    expect(m).toMatchObject({ outcome: 'recovered', passed: true });
    expect(m.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
  });

  it.each(['mismatched-cookie', 'mismatched-cookie-rollout-rolling'])('%s: the force-boot methods do not recover, naming the failing check and the diagnosis', (slug) => {
    for (const name of ['chart-force-boot']) {
      const m = method(slug, name);
      expect(m, name).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
      const failing = m.checks.filter((c) => !c.ok).map((c) => c.name);
      expect(failing, name).toContain('put-get');
      expect(m.reason, name).toMatch(/put-get: credentials refused/);
      expect(m.diagnoses.map((d) => d.signature), name).toEqual(expect.arrayContaining(m.expected.outcome === 'not-recovered' ? [...m.expected.diagnoses] : ['?']));
    }
    if (slug === 'mismatched-cookie-rollout-rolling') {
      const split = method(slug, 'chart-force-boot').diagnoses.find((d) => d.signature === 'split-cluster');
      expect(split?.evidence).toMatch(/rabbit-2@localhost sees \[rabbit-2@localhost\]/);
      expect(method(slug, 'chart-force-boot').diagnoses.map((d) => d.signature)).toContain('invalid-challenge-reply');
    }
  });

  it('helm3-reinstall-race: the stop order is evidence; none is a race either way; force boot recovers every message', () => {
    const none = method('helm3-reinstall-race', 'none');
    expect(none.expected.outcome).toBe('race');
    expect(none.passed, none.reason).toBe(true);
    const order = none.evidence.find((line) => line.startsWith('stop order after helm uninstall: '));
    expect(order).toMatch(/: pods? [0-2](, [0-2])* stopped last/);
    for (const name of ['chart-force-boot']) {
      const m = method('helm3-reinstall-race', name);
      expect(m, name).toMatchObject({ outcome: 'recovered', passed: true });
      expect(m.messages, name).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
    }
  });

  it('password-drift: none is refused on every node; restore-password recovers every message, and RabbitMQ accepts the Secret again', () => {
    const none = method('password-drift', 'none');
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
    expect(none.diagnoses.map((d) => d.signature)).toContain('access-refused');
    const restored = method('password-drift', 'restore-password');
    expect(restored).toMatchObject({ outcome: 'recovered', passed: true });
    expect(restored.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
    expect(restored.checks.find((c) => c.name === 'password-matches-secret')).toMatchObject({ ok: true });
  });

  it('distribution-blip: one dropped link partitions Mnesia, and RabbitMQ says so; restarting the partitioned pods recovers every message', () => {
    const none = method('distribution-blip', 'none');
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true });
    expect(none.evidence).toContain("erlang:disconnect_node('rabbit-1@localhost') on rabbit-0@localhost returned true");
    expect(none.checks.find((c) => c.name === 'cluster-membership')).toMatchObject({ ok: false, reason: expect.stringMatching(/reports a partition/) });
    expect(none.diagnoses.map((d) => d.signature)).toEqual(expect.arrayContaining(['network-partition', 'inconsistent-database']));
    const restarted = method('distribution-blip', 'restart-partitioned-pods');
    expect(restarted).toMatchObject({ outcome: 'recovered', passed: true });
    expect(restarted.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
    expect(restarted.evidence.find((line) => line.startsWith('cluster_status: '))).toMatch(/report a partition; deleting pods/);
  });

  it('scale-down: pod 0 alone serves classic queues but no quorum queue; scaling back recovers every message', () => {
    const none = method('scale-down', 'none');
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
    expect(none.diagnoses.map((d) => d.signature)).toEqual(expect.arrayContaining(['removed-nodes-still-members', 'quorum-queue-unavailable']));
    // Only the pod meant to serve is probed and asked: the removed pods are not counted against the cluster.
    expect(new Set(none.putGet.map((probe) => probe.node))).toEqual(new Set(['rabbit-0@localhost']));
    expect(none.checks.find((c) => c.name === 'cluster-membership')).toMatchObject({ ok: true });
    const back = method('scale-down', 'scale-back');
    expect(back).toMatchObject({ outcome: 'recovered', passed: true });
    expect(back.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
    expect(back.checks.find((c) => c.name === 'scaled-back')).toMatchObject({ ok: true });
  });

  it('queue-declared-while-member-down: the member down at declaration leads, and the consumer attached before got every message', () => {
    const none = method('queue-declared-while-member-down', 'none');
    expect(none).toMatchObject({ outcome: 'recovered', passed: true });
    expect(none.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0 });
    expect(none.checks.find((c) => c.name === 'late-member-consumer')).toMatchObject({ ok: true, observation: { lateMember: 'rabbit-2@localhost', confirmed: 200, delivered: 200, probe: 'delivered' } });
    expect(none.evidence.find((line) => line.startsWith('ra:transfer_leadership'))).toMatch(/: ok; then leader rabbit-2@localhost/);
    expect(none.diagnoses.map((d) => d.signature)).toContain('member-not-started-at-declaration');
  });

  it('delete-pod-with-drain (3.10): the preStop drain ran, the pod came back out of maintenance mode, every mirrored message kept', () => {
    const none = method('delete-pod-with-drain', 'none');
    expect(none).toMatchObject({ outcome: 'recovered', passed: true });
    expect(none.messages).toMatchObject({ confirmed: CONFIRMED, recovered: CONFIRMED, lost: 0, duplicated: 0 });
    expect(none.evidence.find((line) => line.startsWith('policy warren-mirrored'))).toMatch(/2 synchronised mirrors/);
    expect(none.evidence.find((line) => line.includes('rabbitmq-upgrade drain'))).toMatch(/→ exit 0 /);
  });

  it.each(['upgrade', 'upgrade-to-4.0'])('%s (3.10.8 → 4.3 and → 4.0): the new pod refuses to boot on every attempt; the wait ends early and names the flag', (slug) => {
    const none = method(slug, 'none');
    expect(none).toMatchObject({ outcome: 'not-recovered', passed: true, timeToRecoverMs: null });
    expect(none.reason).toMatch(/rabbit-2@localhost failed to boot again since the method, refusing every boot: disabled-required-feature-flag/);
    expect(none.diagnoses.filter((d) => d.source === 'log').map((d) => `${d.node} ${d.signature}`)).toEqual(expect.arrayContaining(['rabbit-2@localhost disabled-required-feature-flag', 'rabbit-2@localhost boot-failed']));
    expect(none.evidence.find((line) => line.startsWith('rollout to RabbitMQ'))).toMatch(/stuck: pod 2 on RabbitMQ 4\.[03] failed to boot 2 times/);
    expect(none.checks.find((c) => c.name === 'upgraded')).toBeUndefined(); // not recovered: the scenario's own checks do not run
  });

  it('leaves nothing running and no run directory behind', async () => {
    for (const report of reports.values()) {
      expect(await labelledProcesses(report.runId)).toEqual([]);
      expect(await runDirectories(report.runId)).toEqual([]);
    }
  });
});

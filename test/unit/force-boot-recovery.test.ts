import { describe, expect, it } from 'vitest';
import { ChartForceBootRecovery } from '../../src/recoveries/chart-force-boot-recovery.js';
import { ForceBootRecovery } from '../../src/recoveries/force-boot-recovery.js';
import { StatefulSetForceBootRecovery } from '../../src/recoveries/statefulset-force-boot-recovery.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

/** After a full shutdown under OrderedReady: pod 0 stuck starting, pod 1 ready (booted alone), pod 2 absent. */
function stuckCluster(): FakeCluster {
  const cluster = new FakeCluster();
  cluster.setPod(0, { phase: 'starting', booted: false, bootFailures: 1 });
  cluster.setPod(1, { phase: 'ready', booted: true });
  cluster.setPod(2, { phase: 'absent', revision: 0, booted: false });
  return cluster;
}

describe('ChartForceBootRecovery', () => {
  it('is a ForceBootRecovery that needs the release, the StatefulSet and the volume (force_load)', () => {
    const recovery = new ChartForceBootRecovery();
    expect(recovery).toBeInstanceOf(ForceBootRecovery);
    expect(recovery.requires).toEqual(['release', 'statefulset', 'volume-files']);
  });

  it('upgrades with forceBoot via chart-values, then deletes only the existing pods that are not ready', async () => {
    const cluster = stuckCluster();
    const context = fakeContext(cluster);
    await new ChartForceBootRecovery().apply(context);

    expect(cluster.ops()).toEqual(['upgrade', 'deletePod']);
    expect(cluster.callsOf('upgrade')[0]!.change).toEqual({ forceBoot: { enabled: true, via: 'chart-values' } });
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([0]);
    expect(cluster.revision()).toBe(2);
    expect(context.marks).toEqual(['force boot on (chart-values)', 'deleting pod 0']);
  });

  it('finish() leaves force boot enabled (no second upgrade) and says so in the evidence', async () => {
    const cluster = stuckCluster();
    const context = fakeContext(cluster);
    const recovery = new ChartForceBootRecovery();
    await recovery.apply(context);
    cluster.clearCalls();
    await recovery.finish(context);
    expect(cluster.calls).toEqual([]);
    expect(context.evidence).toEqual(['chart-values: force boot left enabled, as the runbook leaves it: every later pod start runs force_boot']);
  });
});

describe('StatefulSetForceBootRecovery', () => {
  it('is a ForceBootRecovery that needs no chart', () => {
    const recovery = new StatefulSetForceBootRecovery();
    expect(recovery).toBeInstanceOf(ForceBootRecovery);
    expect(recovery.requires).toEqual(['release', 'statefulset', 'volume-files']);
  });

  it('upgrades with forceBoot via statefulset-command, then deletes every existing pod, ready or not', async () => {
    const cluster = stuckCluster();
    await new StatefulSetForceBootRecovery().apply(fakeContext(cluster));
    expect(cluster.ops()).toEqual(['upgrade', 'deletePod', 'deletePod']);
    expect(cluster.callsOf('upgrade')[0]!.change).toEqual({ forceBoot: { enabled: true, via: 'statefulset-command' } });
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([0, 1]);
  });

  it('finish() takes force boot out again with a second upgrade, back to the original template', async () => {
    const cluster = stuckCluster();
    const context = fakeContext(cluster);
    const recovery = new StatefulSetForceBootRecovery();
    await recovery.apply(context);
    cluster.clearCalls();
    await recovery.finish(context);
    expect(cluster.calls).toEqual([{ op: 'upgrade', change: { forceBoot: { enabled: false, via: 'statefulset-command' } } }]);
    expect(cluster.revision()).toBe(1);
    expect(context.evidence).toEqual([]);
    expect(context.marks.at(-1)).toBe('force boot taken out again: rolling restart');
  });
});

describe.each([
  ['chart-force-boot', () => new ChartForceBootRecovery()],
  ['statefulset-force-boot', () => new StatefulSetForceBootRecovery()],
])('%s.evidence', (_name, make) => {
  it('is ok when force_boot ran with exit 0 on every run and the force_load files were consumed', async () => {
    const cluster = new FakeCluster({
      forceBootRuns: [
        { ordinal: 0, exitCode: 0, output: '' },
        { ordinal: 1, exitCode: 0, output: 'Ok' },
        { ordinal: 0, exitCode: 0, output: '' },
      ],
      dataFileExists: () => false,
    });
    await cluster.upgrade({ forceBoot: { enabled: true, via: 'statefulset-command' } });
    const context = fakeContext(cluster);
    const checks = await make().evidence(context);
    expect(checks).toEqual([
      { name: 'force-boot-rendered', ok: true },
      { name: 'force-boot-ran', ok: true },
      { name: 'force-load-consumed', ok: true },
    ]);
    expect(context.evidence).toContain('pod 0: rabbitmqctl force_boot → exit 0');
    expect(context.evidence).toContain('pod 1: rabbitmqctl force_boot → exit 0: Ok');
    expect(context.evidence).toContain('force_load consumed at boot on node(s) 0, 1');
  });

  it('fails every check when the pods do not run force_boot and it never ran', async () => {
    const checks = await make().evidence(fakeContext(new FakeCluster({ forceBootRuns: [] })));
    expect(checks).toEqual([
      { name: 'force-boot-rendered', ok: false, reason: expect.stringMatching(/^the pods do not run force_boot/) },
      { name: 'force-boot-ran', ok: false, reason: 'no pod ran rabbitmqctl force_boot' },
      { name: 'force-load-consumed', ok: false, reason: 'force_load was never written' },
    ]);
  });

  it('fails force-boot-ran when one run exited non-zero', async () => {
    const runs = [
      { ordinal: 0, exitCode: 0, output: '' },
      { ordinal: 1, exitCode: 69, output: 'Error: unable to perform an operation on node' },
    ];
    const checks = await make().evidence(fakeContext(new FakeCluster({ forceBootRuns: runs, dataFileExists: () => false })));
    expect(checks.find((c) => c.name === 'force-boot-ran')).toEqual({ name: 'force-boot-ran', ok: false, reason: 'rabbitmqctl force_boot failed on pod(s) 1 (exit 69)', observation: runs });
  });

  it('fails force-load-consumed when the file is still there (never read at boot), naming its path', async () => {
    const cluster = new FakeCluster({
      forceBootRuns: [
        { ordinal: 0, exitCode: 0, output: '' },
        { ordinal: 2, exitCode: 0, output: '' },
      ],
      dataFileExists: (ordinal, name) => ordinal === 2 && name === 'force_load',
    });
    const checks = await make().evidence(fakeContext(cluster));
    expect(checks.find((c) => c.name === 'force-boot-ran')).toEqual({ name: 'force-boot-ran', ok: true });
    expect(checks.find((c) => c.name === 'force-load-consumed')).toEqual({ name: 'force-load-consumed', ok: false, reason: 'still present after boot (never read): /fake/volumes/rabbit-2@localhost/mnesia/force_load' });
  });
});

describe('force boot mechanism', () => {
  it("on local, both methods say they share one mechanism, and each names its own runbook", () => {
    const chart = new ChartForceBootRecovery().mechanism('local');
    const statefulSet = new StatefulSetForceBootRecovery().mechanism('local');
    expect(chart).toContain('share one mechanism');
    expect(statefulSet).toContain('share one mechanism');
    expect(chart).toContain('delete the pods that are stuck starting; force boot stays enabled');
    expect(statefulSet).toContain('delete every pod once; once all are back, take force_boot out again');
    expect(chart).not.toBe(statefulSet);
  });

  it('on kind, each names its own mechanism and does not claim to share it', () => {
    const chart = new ChartForceBootRecovery().mechanism('kind');
    const statefulSet = new StatefulSetForceBootRecovery().mechanism('kind');
    expect(chart).toMatch(/^helm upgrade --set clustering.forceBoot=true/);
    expect(statefulSet).toMatch(/^kubectl edit statefulset/);
    expect(chart).not.toContain('share one mechanism');
    expect(statefulSet).not.toContain('share one mechanism');
  });
});

/** Helm's exit code says nothing about what the chart rendered: the applied template is read back. */
describe('force-boot-rendered', () => {
  it('is ok when the applied template runs force_boot, and fails naming the ignored value when it does not', async () => {
    const rendered = new FakeCluster();
    rendered.setPod(0, { phase: 'starting', booted: false });
    const ok = new ChartForceBootRecovery();
    const context = fakeContext(rendered);
    await ok.apply(context);
    expect((await ok.evidence(context)).find((check) => check.name === 'force-boot-rendered')).toEqual({ name: 'force-boot-rendered', ok: true });

    const ignored = new FakeCluster();
    ignored.setPod(0, { phase: 'starting', booted: false });
    ignored.appliedForceBoot = async () => ({ chartValue: false, command: false });
    const recovery = new ChartForceBootRecovery();
    const ignoredContext = fakeContext(ignored);
    await recovery.apply(ignoredContext);
    expect((await recovery.evidence(ignoredContext)).find((check) => check.name === 'force-boot-rendered')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/do not run force_boot \(chart-values\): the value was ignored/),
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ForceStandaloneKhepriBootRecovery } from '../../src/recoveries/force-standalone-khepri-boot-recovery.js';
import { FakeCluster, fakeContext, pod0StartingAlone } from '../support/fake-cluster.js';

const UNAVAILABLE = { exitCode: 69, stdout: '', stderr: "Error: unable to perform an operation on node 'rabbit-0@localhost'." };

describe('ForceStandaloneKhepriBootRecovery', () => {
  it('calls again while the node is unreachable, and is credited once the accepting pod boots', async () => {
    const cluster = pod0StartingAlone();
    let calls = 0;
    cluster.scriptExec((_call, fake) => {
      calls += 1;
      if (calls < 3) return Promise.resolve(UNAVAILABLE);
      fake.setPod(0, { phase: 'ready', booted: true });
      return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
    });
    const context = fakeContext(cluster);
    const recovery = new ForceStandaloneKhepriBootRecovery({ attemptWindowMs: 10_000 });

    await recovery.apply(context);

    expect(cluster.ops()).toEqual(['exec rabbitmqctl force_standalone_khepri_boot', 'exec rabbitmqctl force_standalone_khepri_boot', 'exec rabbitmqctl force_standalone_khepri_boot']);
    expect(context.marks).toEqual(['pod 0: force_standalone_khepri_boot accepted']);
    expect(context.evidence).toEqual([
      "pod 0: rabbitmqctl force_standalone_khepri_boot → exit 69: Error: unable to perform an operation on node 'rabbit-0@localhost'. (2×)",
      'pod 0: rabbitmqctl force_standalone_khepri_boot → exit 0',
    ]);
    expect(await recovery.evidence(context)).toEqual([{ name: 'standalone-boot-took-effect', ok: true }]);
  });

  it('negative control: exit 0 on a pod that never boots afterwards changed nothing, and is not credited', async () => {
    const cluster = pod0StartingAlone().scriptExec(() => Promise.resolve({ exitCode: 0, stdout: '', stderr: '' }));
    const context = fakeContext(cluster);
    const recovery = new ForceStandaloneKhepriBootRecovery({ attemptWindowMs: 10_000 });

    await recovery.apply(context);
    const [check] = await recovery.evidence(context);

    expect(check).toMatchObject({ name: 'standalone-boot-took-effect', ok: false, reason: 'force_standalone_khepri_boot exited 0 on pod 0, but that pod never booted afterwards: it changed nothing' });
  });

  it('stops at the first usage error (3.10 has no such command): no later call can answer otherwise', async () => {
    const cluster = pod0StartingAlone().scriptExec(() => Promise.resolve({ exitCode: 64, stdout: '', stderr: 'Command \'force_standalone_khepri_boot\' not found.' }));
    const context = fakeContext(cluster);
    const recovery = new ForceStandaloneKhepriBootRecovery({ attemptWindowMs: 10_000 });

    await recovery.apply(context);

    expect(cluster.ops()).toEqual(['exec rabbitmqctl force_standalone_khepri_boot']);
    expect(context.marks).toEqual(['force_standalone_khepri_boot refused (1 call(s))']);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ ok: false, reason: "force_standalone_khepri_boot was never accepted (1 call(s); last: exit 64: Command 'force_standalone_khepri_boot' not found.)" });
  });

  it('calls nothing when every created pod has booted', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const recovery = new ForceStandaloneKhepriBootRecovery({ attemptWindowMs: 2_000 });

    await recovery.apply(context);

    expect(cluster.calls).toEqual([]);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ ok: false, reason: 'force_standalone_khepri_boot was never called: no pod was up and waiting' });
  });
});

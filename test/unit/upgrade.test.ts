import { describe, expect, it } from 'vitest';
import { UpgradedCheck, type UpgradedObservation } from '../../src/checks/upgraded-check.js';
import { UpgradeFault } from '../../src/faults/upgrade-fault.js';
import { EnableFeatureFlagsFirstRecovery } from '../../src/recoveries/enable-feature-flags-first-recovery.js';
import { MigrateToKhepriFirstRecovery } from '../../src/recoveries/migrate-to-khepri-first-recovery.js';
import { FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

describe('UpgradeFault', () => {
  it('needs the image and the StatefulSet; is not applicable on its target, a newer series or an unknown one', () => {
    const fault = new UpgradeFault('4.0');
    expect(fault.requires).toEqual(['image', 'statefulset']);
    expect(fault.notApplicable({ version: '4.0.5', metadataStore: 'mnesia' })).toMatch(/runs 4\.0\.5: not older than 4\.0/);
    expect(fault.notApplicable({ version: '4.3.6', metadataStore: 'khepri' })).toMatch(/not older than 4\.0/);
    expect(fault.notApplicable({ version: '4.1.2', metadataStore: 'khepri' })).toMatch(/not a series warren has/);
    expect(fault.notApplicable({ version: '3.10.8', metadataStore: 'mnesia' })).toBeUndefined();
    expect(new UpgradeFault('4.3').notApplicable({ version: '3.10.8', metadataStore: 'mnesia' })).toBeUndefined();
  });

  it('changes nothing on a cluster already on its target (blue-green moved the release before it)', async () => {
    const cluster = new FakeCluster({ rabbitmq: { series: '4.3', metadataStore: 'khepri' } });
    const context = fakeContext(cluster);
    await new UpgradeFault('4.3').inject(context);
    expect(cluster.callsOf('setImage')).toEqual([]);
    expect(context.evidence).toEqual(['rollout to RabbitMQ 4.3: none needed, the cluster already runs 4.3']);
  });

  it('refuses a downgrade before changing anything', async () => {
    const cluster = new FakeCluster({ rabbitmq: { series: '4.3', metadataStore: 'khepri' } });
    await expect(new UpgradeFault('4.0').inject(fakeContext(cluster))).rejects.toThrow(/4\.0 would be a downgrade/);
    expect(cluster.callsOf('setImage')).toEqual([]);
  });

  it('sets the next image and resolves once every pod is ready on it, with the rollout as evidence', async () => {
    const cluster = new FakeCluster();
    cluster.on('setImage', () => {
      let poll = 0;
      cluster.onStatus(() => {
        poll++;
        // The rollout, highest first: pod 2 after 2 polls, pod 1 after 4, pod 0 after 6.
        for (const ordinal of [2, 1, 0]) if (poll >= 2 * (3 - ordinal)) cluster.setPod(ordinal, { revision: 2, phase: 'ready' });
      });
    });
    const context = fakeContext(cluster);
    await new UpgradeFault('4.0').inject(context);
    expect(cluster.callsOf('setImage')).toEqual([{ op: 'setImage', series: '4.0' }]);
    expect(context.evidence[0]).toMatch(/^rollout to RabbitMQ 4\.0: finished: every pod ready on RabbitMQ 4\.0 after/);
    expect(context.evidence[1]).toMatch(/pod 2 ready on 4\.0 \(revision 2/);
  }, 10_000);

  it('calls a pod on the new image that failed to boot twice a stuck rollout, and resolves', async () => {
    const cluster = new FakeCluster();
    cluster.on('setImage', () => cluster.setPod(2, { revision: 2, phase: 'back-off', bootFailures: 2, booted: false }));
    const context = fakeContext(cluster);
    await new UpgradeFault('4.0').inject(context);
    expect(context.evidence[0]).toMatch(/^rollout to RabbitMQ 4\.0: stuck: pod 2 on RabbitMQ 4\.0 failed to boot 2 times/);
  });
});

describe('UpgradedCheck', () => {
  const check = new UpgradedCheck('4.0');
  const on = (image: '3.10' | '4.0' | null, version: string | { error: string }) => ({ image, version });
  const seen = (pods: ReturnType<typeof on>[]): UpgradedObservation => ({ to: '4.0', metadataStore: 'mnesia', pods: pods.map((pod, ordinal) => ({ ordinal, ...pod })) });

  it('passes when every pod runs the new image and its node says the new version', () => {
    expect(check.evaluate(seen([on('4.0', '4.0.5'), on('4.0', '4.0.5'), on('4.0', '4.0.5')]))).toEqual({ ok: true });
  });

  it('fails naming a pod still on the old image, one whose node runs the old version, and one that does not answer', () => {
    const verdict = check.evaluate(seen([on('3.10', '3.10.8'), on('4.0', '3.10.8'), on('4.0', { error: 'connect ECONNREFUSED' })]));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('not every pod runs RabbitMQ 4.0: pod 0: image 3.10, runs 3.10.8; pod 1: image 4.0, runs 3.10.8; pod 2: image 4.0, no answer (connect ECONNREFUSED)');
  });
});

describe('EnableFeatureFlagsFirstRecovery', () => {
  const flags = (states: Record<string, [string, string]>) => JSON.stringify(Object.entries(states).map(([name, [state, stability]]) => ({ name, state, stability })));

  it('enables every flag while healthy; its evidence passes only when no stable flag is left disabled', async () => {
    let enabled = false;
    const cluster = new FakeCluster({
      exec: (call: ExecCall) => {
        if (call.args[0] === 'enable_feature_flag') {
          enabled = true;
          return { exitCode: 0, stdout: 'Enabling all feature flags ...', stderr: '' };
        }
        return { exitCode: 0, stdout: flags({ quorum_queue: ['enabled', 'stable'], stream_queue: [enabled ? 'enabled' : 'disabled', 'stable'], khepri_db: ['disabled', 'experimental'] }), stderr: '' };
      },
    });
    const recovery = new EnableFeatureFlagsFirstRecovery();
    const context = fakeContext(cluster);
    await recovery.prepare(context);
    expect(cluster.ops()).toEqual(['exec rabbitmqctl list_feature_flags', 'exec rabbitmqctl enable_feature_flag', 'exec rabbitmqctl list_feature_flags']);
    expect(context.evidence).toContain('feature flags before: 1 of 3 enabled; disabled: stream_queue (stable), khepri_db (experimental)');
    expect(await recovery.evidence(context)).toEqual([{ name: 'feature-flags-enabled-first', ok: true }]);
  });

  it('fails its evidence when a stable flag stays disabled (negative control)', async () => {
    const cluster = new FakeCluster({
      exec: (call: ExecCall) =>
        call.args[0] === 'enable_feature_flag' ? { exitCode: 0, stdout: '', stderr: '' } : { exitCode: 0, stdout: flags({ stream_queue: ['disabled', 'stable'] }), stderr: '' },
    });
    const recovery = new EnableFeatureFlagsFirstRecovery();
    const context = fakeContext(cluster);
    await recovery.prepare(context);
    expect(await recovery.evidence(context)).toEqual([{ name: 'feature-flags-enabled-first', ok: false, reason: 'still disabled: stream_queue' }]);
  });
});

describe('MigrateToKhepriFirstRecovery', () => {
  it('is not applicable on Khepri already, or before 3.13; applies to 4.0 on Mnesia', () => {
    const recovery = new MigrateToKhepriFirstRecovery();
    expect(recovery.notApplicable({ version: '4.0.5', metadataStore: 'khepri' })).toMatch(/already runs on Khepri/);
    expect(recovery.notApplicable({ version: '3.10.8', metadataStore: 'mnesia' })).toMatch(/first shipped in 3\.13/);
    expect(recovery.notApplicable({ version: '4.0.5', metadataStore: 'mnesia' })).toBeUndefined();
  });

  it('passes its evidence only when khepri_db is enabled afterwards', async () => {
    for (const [state, ok] of [['enabled', true], ['disabled', false]] as const) {
      const cluster = new FakeCluster({
        exec: (call: ExecCall) =>
          call.args[0] === 'enable_feature_flag' ? { exitCode: 0, stdout: '', stderr: '' } : { exitCode: 0, stdout: JSON.stringify([{ name: 'khepri_db', state, stability: 'stable' }]), stderr: '' },
      });
      const recovery = new MigrateToKhepriFirstRecovery();
      const context = fakeContext(cluster);
      await recovery.prepare(context);
      expect((await recovery.evidence(context))[0]).toMatchObject({ name: 'migrated-to-khepri', ok });
      expect(cluster.callsOf('exec')[0]!.args).toEqual(['enable_feature_flag', '--opt-in', 'khepri_db']);
    }
  });
});

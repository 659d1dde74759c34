import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/common/secrets.js';
import { UpdateSecretRecovery } from '../../src/recoveries/update-secret-recovery.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

const DRIFTED = 'fake-drifted-password';
const current = (_runId: string, secret: Credentials): Credentials => ({ ...secret, password: DRIFTED });

describe('UpdateSecretRecovery', () => {
  it('upgrades the Secret to the password RabbitMQ has, then restarts pods lowest first, each ready before the next', async () => {
    const cluster = new FakeCluster();
    // A deleted pod comes back ready on the current revision (the StatefulSet would recreate it from the new template).
    cluster.on('deletePod', (call) => cluster.setPod(call.ordinal, { phase: 'ready', booted: true, revision: cluster.revision() }));
    const context = fakeContext(cluster);
    const recovery = new UpdateSecretRecovery(current);
    await recovery.apply(context);
    expect(cluster.ops()).toEqual(['upgrade', 'deletePod', 'deletePod', 'deletePod']);
    expect(cluster.callsOf('upgrade')[0]!.change.credentials?.password).toBe(DRIFTED);
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([0, 1, 2]);
    expect(await recovery.evidence(context)).toEqual([{ name: 'pods-on-new-secret', ok: true }]);
    expect(context.evidence).toEqual(['pods restarted onto the new Secret, in order: 0, 1, 2']);
  });

  it('does not delete pod 1 while pod 0 is not ready (OrderedReady would not recreate it), and its evidence fails', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const recovery = new UpdateSecretRecovery(current);
    context.recoveryDeadline = Date.now() + 600;
    await expect(recovery.apply(context)).rejects.toThrow(/pod 0 ready on the new Secret/);
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([0]);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ name: 'pods-on-new-secret', ok: false });
  });

  it('refuses to guess a password it was not told', async () => {
    const cluster = new FakeCluster();
    await expect(new UpdateSecretRecovery(() => undefined).apply(fakeContext(cluster))).rejects.toThrow(/unknown/);
    expect(cluster.ops()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ClusterCommandError } from '../../src/common/errors.js';
import { PasswordDriftFault } from '../../src/faults/password-drift-fault.js';
import { RestorePasswordRecovery } from '../../src/recoveries/restore-password-recovery.js';
import { FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

/** A fake RabbitMQ that keeps one password for the default user, changed and checked through rabbitmqctl. */
function rabbitWithPassword(cluster: () => FakeCluster, initial: string) {
  let password = initial;
  return {
    get password() {
      return password;
    },
    exec(call: ExecCall) {
      const [command, user, given] = call.args;
      const pod = cluster().status().find((candidate) => candidate.ordinal === call.ordinal);
      if (!pod?.booted) return { exitCode: 69, stdout: '', stderr: `Error: unable to perform an operation on node 'rabbit-${call.ordinal}@localhost'` };
      if (command === 'change_password' && user === 'warren') {
        password = given!;
        return { exitCode: 0, stdout: 'Changing password for user "warren" ...', stderr: '' };
      }
      if (command === 'authenticate_user') return given === password ? { exitCode: 0, stdout: 'Success', stderr: '' } : { exitCode: 75, stdout: '', stderr: 'Error: Authentication failed' };
      return { exitCode: 64, stdout: '', stderr: `Command '${command}' not found.` };
    },
  };
}

function drifted() {
  let cluster!: FakeCluster;
  const rabbit = rabbitWithPassword(() => cluster, 'fake-password-for-unit-tests');
  cluster = new FakeCluster({ exec: (call) => rabbit.exec(call) });
  return { cluster, rabbit };
}

describe('PasswordDriftFault', () => {
  it('changes the default user\'s password through pod 0 to a new one, kept secret; the Secret stays as it was', async () => {
    const { cluster, rabbit } = drifted();
    const context = fakeContext(cluster);
    await new PasswordDriftFault().inject(context);

    expect(cluster.ops()).toEqual(['exec rabbitmqctl change_password']);
    expect(cluster.callsOf('exec')[0]!.ordinal).toBe(0);
    expect(rabbit.password).not.toBe(cluster.credentials.password);
    expect(cluster.credentials).toEqual(cluster.spec.credentials);
    // The new password is handed to the redactor before it is used.
    expect(context.secrets.map((s) => s.password)).toEqual([rabbit.password]);
    expect(context.marks.join('\n')).not.toContain(rabbit.password);
  });

  it('is an error of the drill, not a finding, when RabbitMQ refuses the change (nothing has struck yet)', async () => {
    const cluster = new FakeCluster({ exec: () => ({ exitCode: 70, stdout: '', stderr: 'Error: user warren does not exist' }) });
    await expect(new PasswordDriftFault().inject(fakeContext(cluster))).rejects.toThrow(ClusterCommandError);
    await expect(new PasswordDriftFault().inject(fakeContext(cluster))).rejects.toThrow('rabbitmqctl change_password warren on pod 0 exited 70: Error: user warren does not exist');
  });
});

describe('RestorePasswordRecovery', () => {
  it('sets the password back to the Secret\'s on the lowest booted pod, and RabbitMQ then accepts the Secret', async () => {
    const { cluster, rabbit } = drifted();
    await new PasswordDriftFault().inject(fakeContext(cluster));
    cluster.setPod(0, { booted: false, phase: 'back-off' });
    cluster.clearCalls();
    const context = fakeContext(cluster);
    const recovery = new RestorePasswordRecovery();
    await recovery.apply(context);

    expect(rabbit.password).toBe(cluster.credentials.password);
    expect(cluster.callsOf('exec').map((call) => call.ordinal)).toEqual([1]); // pod 0 has not booted: not asked
    expect(context.evidence).toEqual(['rabbitmqctl change_password warren exited 0 on pod 1']);
    expect(await recovery.evidence(context)).toEqual([expect.objectContaining({ name: 'password-matches-secret', ok: true })]);
  });

  it('fails its evidence when the password still differs (negative control)', async () => {
    const { cluster } = drifted();
    await new PasswordDriftFault().inject(fakeContext(cluster));
    const checks = await new RestorePasswordRecovery().evidence(fakeContext(cluster));
    expect(checks).toEqual([expect.objectContaining({ name: 'password-matches-secret', ok: false, reason: expect.stringContaining('exited 75: Error: Authentication failed') })]);
  });

  it('keeps asking until a node has booted, and gives up at the deadline when none does', async () => {
    const { cluster, rabbit } = drifted();
    await new PasswordDriftFault().inject(fakeContext(cluster));
    cluster.setAllPods({ booted: false, phase: 'starting' });
    await expect(new RestorePasswordRecovery().apply(fakeContext(cluster, { recoveryDeadline: Date.now() + 1_500 }))).rejects.toThrow(/a node to accept rabbitmqctl change_password warren/);
    expect(rabbit.password).not.toBe(cluster.credentials.password);
  });
});

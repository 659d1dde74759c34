import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/common/secrets.js';
import { RestoreCredentialsRecovery } from '../../src/recoveries/restore-credentials-recovery.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

const REGENERATED: Credentials = { username: 'warren', password: 'fake-regenerated-password', erlangCookie: 'FAKEREGENERATEDCOOKIE' };

describe('RestoreCredentialsRecovery after a reinstall (every created pod on the current revision)', () => {
  function afterReinstall(): FakeCluster {
    const cluster = new FakeCluster();
    // The fault: helm del + helm install with a regenerated Secret; pod 0 came back and cannot boot, 1 and 2 absent.
    void cluster.uninstall({ volumes: 'keep', termination: 'scale-down' });
    cluster.install({ credentials: REGENERATED });
    cluster.setPod(0, { phase: 'back-off', revision: cluster.revision(), bootFailures: 2 });
    cluster.clearCalls();
    return cluster;
  }

  it('deletes the release (volumes kept, scale-down) and installs it again with the original credentials', async () => {
    const cluster = afterReinstall();
    expect(cluster.revision()).toBe(2);
    expect(cluster.credentials).toEqual(REGENERATED);

    await new RestoreCredentialsRecovery().apply(fakeContext(cluster));

    expect(cluster.ops()).toEqual(['uninstall', 'install']);
    expect(cluster.callsOf('uninstall')[0]!.options).toEqual({ volumes: 'keep', termination: 'scale-down' });
    expect(cluster.callsOf('install')[0]!.options.credentials).toEqual(cluster.spec.credentials);
    expect(cluster.credentials).toEqual(cluster.spec.credentials);
    expect(cluster.credentials.password).not.toBe(REGENERATED.password);
  });

  it('also reinstalls when every pod is on the current revision and all are running', async () => {
    const cluster = afterReinstall();
    cluster.setAllPods({ phase: 'starting', revision: cluster.revision() });
    await new RestoreCredentialsRecovery().apply(fakeContext(cluster));
    expect(cluster.ops()).toEqual(['uninstall', 'install']);
    expect(cluster.callsOf('deletePod')).toEqual([]);
  });
});

describe('RestoreCredentialsRecovery after a rolling upgrade (some pods on an older revision)', () => {
  function afterRolling(): FakeCluster {
    const cluster = new FakeCluster();
    cluster.upgrade({ credentials: REGENERATED });
    cluster.clearCalls();
    return cluster;
  }

  it('upgrades back to the original credentials and deletes only the unready pod on the bad revision', async () => {
    const cluster = afterRolling();
    const bad = cluster.revision();
    // Pod 2 was replaced first and cannot join (back-off); pods 0 and 1 still run the original template.
    cluster.setPod(2, { phase: 'back-off', revision: bad, booted: false, bootFailures: 3 });

    await new RestoreCredentialsRecovery().apply(fakeContext(cluster));

    expect(cluster.ops()).toEqual(['upgrade', 'deletePod']);
    expect(cluster.callsOf('upgrade')[0]!.change).toEqual({ credentials: cluster.spec.credentials });
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([2]);
    expect(cluster.credentials).toEqual(cluster.spec.credentials);
    expect(cluster.callsOf('uninstall')).toEqual([]);
    expect(cluster.callsOf('install')).toEqual([]);
  });

  it('leaves a ready pod of the bad revision to the rollout, and an unready pod already on the restored revision alone', async () => {
    const cluster = afterRolling();
    const bad = cluster.revision();
    cluster.setPod(2, { phase: 'ready', revision: bad }); // it did come up: the StatefulSet replaces it itself
    cluster.setPod(1, { phase: 'back-off', revision: bad, booted: false, bootFailures: 1 }); // stuck: must be deleted
    cluster.setPod(0, { phase: 'starting', revision: 1, booted: false }); // original template: will boot right

    await new RestoreCredentialsRecovery().apply(fakeContext(cluster));

    expect(cluster.revision()).toBe(1); // the original template again
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([1]);
  });

  it('never deletes absent pods', async () => {
    const cluster = afterRolling();
    const bad = cluster.revision();
    cluster.setPod(2, { phase: 'starting', revision: bad, booted: false });
    cluster.setPod(1, { phase: 'absent', revision: 0, booted: false });
    await new RestoreCredentialsRecovery().apply(fakeContext(cluster));
    expect(cluster.callsOf('deletePod').map((call) => call.ordinal)).toEqual([2]);
  });
});

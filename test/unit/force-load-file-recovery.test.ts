import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../src/common/errors.js';
import { ForceLoadFileRecovery } from '../../src/recoveries/force-load-file-recovery.js';
import { FakeCluster, fakeContext, pod0StartingAlone } from '../support/fake-cluster.js';

const WAITING_LINE = '2024-01-01 00:00:00.000 [warning] <0.230.0> Waiting for Mnesia tables for 3000 ms, 9 retries left';
/** What pod 0 logged before the method was applied: one table wait from an earlier boot. */
const EARLIER_BOOT = `${WAITING_LINE}\n2024-01-01 00:00:30.000 [error] BOOT FAILED\n`;

/** Pod 0's log gains a new table wait after the method's baseline read (its first read). */
function pod0StartsWaiting(cluster: FakeCluster): FakeCluster {
  return cluster.scriptReadLog((ordinal, read) => (ordinal === 0 ? (read === 1 ? EARLIER_BOOT : `${EARLIER_BOOT}${WAITING_LINE}\n`) : ''));
}

describe('ForceLoadFileRecovery.apply', () => {
  it('gives up at once, writing nothing, when a pod fails to boot without ever waiting for tables (Khepri: timeout_waiting_for_leader)', async () => {
    const cluster = pod0StartingAlone();
    cluster.scriptReadLog(() => 'exit:timeout_waiting_for_leader\nBOOT FAILED\n');
    const context = fakeContext(cluster);
    setTimeout(() => cluster.setPod(0, { phase: 'back-off', booted: false, bootFailures: 2 }), 300);

    const started = Date.now();
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 10_000 });
    await recovery.apply(context);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(cluster.calls).toEqual([]);
    expect(context.marks[0]).toMatch(/failed to boot without ever waiting for Mnesia tables/);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ name: 'force-load-consumed', ok: false, reason: 'force_load was never written' });
  });

  it('writes nothing when every created pod has booted: nothing waits for tables', async () => {
    const cluster = new FakeCluster();
    cluster.setPod(0, { phase: 'starting', booted: true }); // booted, only its logins are refused
    cluster.setPod(2, { phase: 'absent', revision: 0, booted: false });
    cluster.scriptReadLog(() => `${WAITING_LINE}\n`);
    const context = fakeContext(cluster);

    await new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 }).apply(context);

    expect(cluster.calls).toEqual([]);
    expect(context.marks).toEqual(['no pod waits for Mnesia tables: every pod has booted, there is nowhere to write force_load']);
    expect(context.evidence).toEqual([]);
  });

  it('writes force_load into the waiting pod 0 and deletes it, once its log gains a new table wait', async () => {
    const cluster = pod0StartsWaiting(pod0StartingAlone());
    const context = fakeContext(cluster);

    await new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 }).apply(context);

    expect(cluster.calls).toEqual([
      { op: 'writeDataFile', ordinal: 0, name: 'force_load', content: '' },
      { op: 'deletePod', ordinal: 0 },
    ]);
    expect(cluster.files.has('0/force_load')).toBe(true);
    expect(context.marks).toEqual(['pod 0 waits for tables: wrote force_load', 'deleting pod 0']);
    expect(context.evidence).toEqual(['wrote /fake/volumes/rabbit-0@localhost/mnesia/force_load while pod 0 waited for Mnesia tables']);
  });

  it('does not take an old table wait (from before the method) for a pod waiting now: it times out writing nothing', async () => {
    const cluster = pod0StartingAlone().scriptReadLog((ordinal) => (ordinal === 0 ? EARLIER_BOOT : ''));
    const context = fakeContext(cluster);
    await expect(new ForceLoadFileRecovery({ waitTimeoutMs: 600 }).apply(context)).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(cluster.calls).toEqual([]);
  });

  it('writes into the file name it was given (the negative control)', async () => {
    const cluster = pod0StartsWaiting(pod0StartingAlone());
    await new ForceLoadFileRecovery({ relativePath: 'not/force_load', waitTimeoutMs: 2_000 }).apply(fakeContext(cluster));
    expect(cluster.callsOf('writeDataFile')).toEqual([{ op: 'writeDataFile', ordinal: 0, name: 'not/force_load', content: '' }]);
  });
});

describe('ForceLoadFileRecovery.evidence', () => {
  it('is ok once the file written during apply was consumed at boot', async () => {
    const cluster = pod0StartsWaiting(pod0StartingAlone());
    const context = fakeContext(cluster);
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 });
    await recovery.apply(context);
    cluster.consumeDataFile(0, 'force_load');
    expect(await recovery.evidence(context)).toEqual([{ name: 'force-load-consumed', ok: true }]);
    expect(context.evidence.at(-1)).toBe('force_load consumed at boot on node(s) 0');
  });

  it('fails when the file is still there after boot (never read)', async () => {
    const cluster = pod0StartsWaiting(pod0StartingAlone());
    const context = fakeContext(cluster);
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 });
    await recovery.apply(context);
    expect(await recovery.evidence(context)).toEqual([
      { name: 'force-load-consumed', ok: false, reason: 'still present after boot (never read): /fake/volumes/rabbit-0@localhost/mnesia/force_load' },
    ]);
  });

  it('fails with "never written" when nothing waited', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 });
    await recovery.apply(context);
    expect(await recovery.evidence(context)).toEqual([{ name: 'force-load-consumed', ok: false, reason: 'force_load was never written' }]);
  });

  it('keeps per-drill state: another run id does not see what this drill wrote, and the state is used once', async () => {
    const cluster = pod0StartsWaiting(pod0StartingAlone());
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 2_000 });
    const drillA = fakeContext(cluster, { runId: 'run-a' });
    const drillB = fakeContext(cluster, { runId: 'run-b' });
    await recovery.apply(drillA);
    cluster.consumeDataFile(0, 'force_load');

    expect(await recovery.evidence(drillB)).toEqual([{ name: 'force-load-consumed', ok: false, reason: 'force_load was never written' }]);
    expect(await recovery.evidence(drillA)).toEqual([{ name: 'force-load-consumed', ok: true }]);
    // Evidence forgets the drill once it was given.
    expect(await recovery.evidence(drillA)).toEqual([{ name: 'force-load-consumed', ok: false, reason: 'force_load was never written' }]);
  });
});

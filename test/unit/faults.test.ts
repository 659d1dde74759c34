import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunInterruptedError } from '../../src/common/errors.js';
import { DeleteAllPodsFault } from '../../src/faults/delete-all-pods-fault.js';
import { FullShutdownFault } from '../../src/faults/full-shutdown-fault.js';
import { Helm3ReinstallRaceFault, stopOrderText, watchStops } from '../../src/faults/helm3-reinstall-race-fault.js';
import { MismatchedCookieFault } from '../../src/faults/mismatched-cookie-fault.js';
import { QueueDeclaredWhileMemberDownFault } from '../../src/faults/queue-declared-while-member-down-fault.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MismatchedCookieFault (reinstall)', () => {
  it('requires the release and is named mismatched-cookie', () => {
    const fault = new MismatchedCookieFault('reinstall');
    expect(fault.name).toBe('mismatched-cookie');
    expect(fault.requires).toEqual(['release']);
  });

  it('uninstalls with the volumes kept (scale-down), then installs with a regenerated Secret', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    await new MismatchedCookieFault('reinstall').inject(context);

    expect(cluster.ops()).toEqual(['uninstall', 'install']);
    expect(cluster.callsOf('uninstall')[0]!.options).toEqual({ volumes: 'keep', termination: 'scale-down' });
    const installed = cluster.callsOf('install')[0]!.options.credentials;
    expect(installed.password).not.toBe(cluster.spec.credentials.password);
    expect(installed.erlangCookie).not.toBe(cluster.spec.credentials.erlangCookie);
    expect(installed.erlangCookie).toMatch(/^[A-Z]{32}$/);
    // The Secret clients read is now the regenerated one; the originals are untouched.
    expect(cluster.credentials).toEqual(installed);
    expect(cluster.spec.credentials.password).toBe('fake-password-for-unit-tests');
    expect(cluster.callsOf('upgrade')).toEqual([]);
  });

  it('regenerates different credentials on every injection', async () => {
    const a = new FakeCluster();
    const b = new FakeCluster();
    await new MismatchedCookieFault('reinstall').inject(fakeContext(a));
    await new MismatchedCookieFault('reinstall').inject(fakeContext(b));
    expect(a.credentials.erlangCookie).not.toBe(b.credentials.erlangCookie);
    expect(a.credentials.password).not.toBe(b.credentials.password);
  });
});

describe('MismatchedCookieFault (rolling)', () => {
  it('requires the release', () => {
    const fault = new MismatchedCookieFault('rolling');
    expect(fault.name).toBe('mismatched-cookie (rolling)');
    expect(fault.requires).toEqual(['release']);
  });

  it('upgrades with regenerated credentials and returns only once the highest ordinal runs the new revision', async () => {
    const cluster = new FakeCluster();
    let newRevisionFromPoll: number | undefined;
    // The rollout: pod 2 is terminated first, then recreated on the new revision three polls later.
    cluster.onStatus((poll) => {
      if (cluster.callsOf('upgrade').length === 0) return;
      newRevisionFromPoll ??= poll + 3;
      if (poll === newRevisionFromPoll - 2) cluster.setPod(2, { phase: 'terminating' });
      if (poll === newRevisionFromPoll - 1) cluster.setPod(2, { phase: 'absent', revision: 0, booted: false });
      if (poll === newRevisionFromPoll) cluster.setPod(2, { phase: 'starting', revision: cluster.revision() });
    });
    const context = fakeContext(cluster);
    await new MismatchedCookieFault('rolling').inject(context);

    expect(cluster.ops()).toEqual(['upgrade']);
    const change = cluster.callsOf('upgrade')[0]!.change;
    expect(Object.keys(change)).toEqual(['credentials']);
    expect(change.credentials!.password).not.toBe(cluster.spec.credentials.password);
    expect(change.credentials!.erlangCookie).not.toBe(cluster.spec.credentials.erlangCookie);
    expect(cluster.credentials).toEqual(change.credentials);
    expect(cluster.revision()).toBe(2);
    // It kept polling until pod 2 was there on the new revision, and no longer.
    expect(cluster.statusPolls).toBe(newRevisionFromPoll);
    expect(context.marks.at(-1)).toBe('pod 2 runs with the new Secret; pods 0, 1 still run with the old one');
  });

  it('is not satisfied by a lower ordinal on the new revision: it waits for the highest', async () => {
    const cluster = new FakeCluster();
    cluster.onStatus((poll) => {
      if (poll === 1) cluster.setPod(0, { phase: 'starting', revision: cluster.revision() });
      if (poll === 4) cluster.setPod(2, { phase: 'starting', revision: cluster.revision() });
    });
    await new MismatchedCookieFault('rolling').inject(fakeContext(cluster));
    expect(cluster.statusPolls).toBe(4);
  });

  it('stops waiting with RunInterruptedError when the run is aborted, never seeing the new revision', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    cluster.onStatus((poll) => {
      if (poll === 2) context.controller.abort();
    });
    await expect(new MismatchedCookieFault('rolling').inject(context)).rejects.toBeInstanceOf(RunInterruptedError);
    expect(cluster.ops()).toEqual(['upgrade']);
    expect(cluster.status().find((pod) => pod.ordinal === 2)!.revision).toBe(1);
    expect(context.marks.some((mark) => mark.includes('runs with the new Secret'))).toBe(false);
  });
});

describe('DeleteAllPodsFault', () => {
  it('waits 3 s of quiet, kills every pod at once, then starts the pods again', async () => {
    vi.useFakeTimers();
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const injected = new DeleteAllPodsFault().inject(context);

    await vi.advanceTimersByTimeAsync(2_999);
    expect(cluster.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await injected;

    expect(cluster.calls).toEqual([{ op: 'shutdown', options: { mode: 'kill' } }, { op: 'startUp' }]);
    expect(context.marks).toEqual(['killing every pod at once (after 3 s of quiet)', 'pods start again (OrderedReady)']);
  });

  it('does nothing when the run is aborted during the quiet', async () => {
    vi.useFakeTimers();
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const injected = new DeleteAllPodsFault().inject(context);
    const outcome = expect(injected).rejects.toBeInstanceOf(RunInterruptedError);
    await vi.advanceTimersByTimeAsync(1_000);
    context.controller.abort();
    await outcome;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(cluster.calls).toEqual([]);
  });
});

describe('FullShutdownFault', () => {
  it('stops the pods one by one in ordinal order, then starts them again', async () => {
    const cluster = new FakeCluster({ startPolicy: 'Parallel' });
    const context = fakeContext(cluster);
    await new FullShutdownFault().inject(context);
    expect(cluster.calls).toEqual([
      { op: 'shutdown', options: { mode: 'graceful', order: [0] } },
      { op: 'shutdown', options: { mode: 'graceful', order: [1] } },
      { op: 'shutdown', options: { mode: 'graceful', order: [2] } },
      { op: 'startUp' },
    ]);
    expect(context.marks.at(-1)).toBe('pods start again (Parallel)');
  });
});

describe('Helm3ReinstallRaceFault', () => {
  it('requires the release, uninstalls at once with the PVCs kept, then installs with the same Secret', async () => {
    const cluster = new FakeCluster();
    const context = fakeContext(cluster);
    const before = { ...cluster.credentials };
    const fault = new Helm3ReinstallRaceFault();
    expect(fault.requires).toEqual(['release']);
    await fault.inject(context);

    expect(cluster.ops()).toEqual(['uninstall', 'install']);
    expect(cluster.callsOf('uninstall')[0]!.options).toEqual({ volumes: 'keep', termination: 'at-once' });
    expect(cluster.callsOf('install')[0]!.options.credentials).toEqual(before);
    expect(cluster.credentials).toEqual(before);
    // Every pod is gone by the time uninstall resolves; the order is evidence.
    expect(context.evidence).toEqual([expect.stringMatching(/^stop order after helm uninstall: pod 0 \+\d\.\d\d s, pod 1 \+\d\.\d\d s, pod 2 \+\d\.\d\d s: pods 0, 1, 2 stopped last/)]);
  });
});

describe('watchStops', () => {
  /** Pods that go absent at the given ms after the watch starts. */
  function stopping(at: Record<number, number>) {
    const started = Date.now();
    const status = () =>
      Object.entries(at).map(([ordinal, ms]) => ({ ordinal: Number(ordinal), phase: Date.now() - started >= ms ? ('absent' as const) : ('terminating' as const) })) as never;
    const last = Math.max(...Object.values(at));
    return { cluster: { status }, stop: () => new Promise<void>((resolve) => setTimeout(resolve, last + 60)) };
  }

  it('orders the pods by when each was seen gone, and names the last', async () => {
    const { cluster, stop } = stopping({ 0: 150, 1: 20, 2: 80 });
    const stops = await watchStops(cluster, stop);
    expect(stops.map((s) => s.ordinal)).toEqual([1, 2, 0]);
    expect(stopOrderText(stops)).toMatch(/^pod 1 \+0\.\d\d s, pod 2 \+0\.\d\d s, pod 0 \+0\.\d\d s: pod 0 stopped last$/);
  });

  it('names every pod seen gone in the last poll, not one of them at random', () => {
    expect(stopOrderText([{ ordinal: 2, atMs: 1_140 }, { ordinal: 0, atMs: 1_170 }, { ordinal: 1, atMs: 1_170 }])).toBe(
      'pod 2 +1.14 s, pod 0 +1.17 s, pod 1 +1.17 s: pods 0, 1 stopped last (same 10 ms poll)',
    );
  });

  it('passes on what the uninstall throws', async () => {
    const cluster = { status: () => [] };
    await expect(watchStops(cluster, async () => Promise.reject(new Error('helm: release not found')))).rejects.toThrow('helm: release not found');
  });
});

describe('QueueDeclaredWhileMemberDownFault', () => {
  it('needs 3 nodes: with 2 there is no majority while one is down (refused before anything is touched)', async () => {
    const cluster = new FakeCluster({ nodes: 2 });
    await expect(new QueueDeclaredWhileMemberDownFault().inject(fakeContext(cluster))).rejects.toThrow(/needs at least 3 nodes/);
    expect(cluster.ops()).toEqual([]);
  });

  it('throws when the broker cannot be reached after the scale-down, and forgets the drill (nothing left open)', async () => {
    const closed = await closedPort();
    const fake = new FakeCluster();
    // The fake's pods answer on no port: point pod 0 at one that is surely closed.
    const nodes = fake.nodes.map((node) => ({ ...node, amqp: { host: '127.0.0.1', port: closed } }));
    const cluster = new Proxy(fake, {
      get: (target, key) => {
        if (key === 'nodes') return nodes;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const fault = new QueueDeclaredWhileMemberDownFault();
    const context = fakeContext(cluster);
    await expect(fault.inject(context)).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(fake.ops()).toEqual(['scale']);
    expect(fault.record(context.runId)).toBeUndefined();
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

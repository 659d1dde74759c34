import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/broker/amqp-connection.js';
import { nodeLayout } from '../../src/platforms/local/node-layout.js';
import { Pod } from '../../src/platforms/local/pod.js';
import { noopLogger } from '../support/fake-cluster.js';

/**
 * The local pod's liveness probe, with a real container process (a shell that sleeps) and a scripted probe: once the
 * node has answered, failing logins for period × threshold restart the container, as the kubelet does.
 */
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function pod(probe: () => ProbeResult, liveness?: { periodMs: number; failureThreshold: number }) {
  const runDir = await mkdtemp(join(tmpdir(), 'warren-pod-'));
  dirs.push(runDir);
  const layout = nodeLayout(runDir, 0, 1, 2);
  await mkdir(layout.logDir, { recursive: true });
  await mkdir(layout.home, { recursive: true });
  return {
    layout,
    pod: new Pod({
      layout,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      log: noopLogger,
      revision: 1,
      probeReady: async () => probe(),
      command: ['/bin/sh', '-c', 'exec sleep 60'],
      preStart: async () => undefined,
      onChange: () => undefined,
      now: () => Date.now(),
      backoff: { initialMs: 50, maxMs: 100 },
      gracePeriodMs: 1_000,
      ...(liveness ? { liveness } : {}),
    }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Pod liveness probe', () => {
  it('restarts the container when the login keeps being refused after the node answered, and says so in its log', async () => {
    const { pod: p, layout } = await pod(() => 'refused', { periodMs: 100, failureThreshold: 3 });
    p.start();
    await sleep(2_500);
    const restarts = p.status.restarts;
    await p.delete('graceful');
    expect(restarts).toBeGreaterThanOrEqual(1);
    expect(await readFile(join(layout.logDir, 'console.log'), 'utf8')).toMatch(/--- warren: liveness probe failed \(refused\): container restarted ---/);
  });

  it('never restarts a container whose login works, nor any container without a liveness probe (negative controls)', async () => {
    const healthy = await pod(() => 'ready', { periodMs: 100, failureThreshold: 3 });
    const unprobed = await pod(() => 'refused');
    healthy.pod.start();
    unprobed.pod.start();
    await sleep(1_500);
    const counts = [healthy.pod.status.restarts, unprobed.pod.status.restarts];
    await Promise.all([healthy.pod.delete('graceful'), unprobed.pod.delete('graceful')]);
    expect(counts).toEqual([0, 0]);
  });

  it('does not count a node that has not answered yet (still booting): initialDelaySeconds', async () => {
    const { pod: p } = await pod(() => 'down', { periodMs: 100, failureThreshold: 3 });
    p.start();
    await sleep(1_500);
    const restarts = p.status.restarts;
    await p.delete('graceful');
    expect(restarts).toBe(0);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogger } from '../../src/common/logger.js';
import { Redactor } from '../../src/common/secrets.js';
import { capabilitiesOf, hasCapability, need, type Capability, type Platform } from '../../src/core/platform.js';
import { FullShutdownFault } from '../../src/faults/full-shutdown-fault.js';
import { runDrill } from '../../src/run/drill.js';
import { RunEvents } from '../../src/run/events.js';
import { Expect, Recoveries } from '../../src/scenarios/methods.js';
import { defineScenario } from '../../src/scenarios/scenario.js';
import { FakeCluster } from '../support/fake-cluster.js';

/**
 * Capabilities are optional interfaces, read from the cluster object (never a claim): a cluster without one
 * really lacks its methods, and a drill whose fault or method needs it is not-applicable before RabbitMQ is asked
 * anything, its cluster torn down all the same.
 */
describe('capabilities', () => {
  it('are read from the methods a cluster has', () => {
    expect(capabilitiesOf(new FakeCluster())).toEqual(['statefulset', 'release', 'volume-files', 'image']);
    const releaseOnly = new FakeCluster({ capabilities: ['release'] });
    expect(capabilitiesOf(releaseOnly)).toEqual(['release']);
    expect(hasCapability(releaseOnly, 'statefulset')).toBe(false);
    expect(() => need(releaseOnly, 'volume-files')).toThrow(new TypeError('the local cluster has no volume-files capability: list it in requires'));
    expect(need(releaseOnly, 'release')).toBe(releaseOnly);
  });

  describe('the drill gate', () => {
    const dirs: string[] = [];
    afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

    async function drillOn(capabilities: Capability[]) {
      const cluster = new FakeCluster({ capabilities });
      const platform: Platform = { name: 'local', preflight: async () => undefined, provision: async () => cluster };
      const reportDir = await mkdtemp(join(tmpdir(), 'warren-capabilities-'));
      dirs.push(reportDir);
      const redactor = new Redactor();
      const scenario = defineScenario({ name: 'full-shutdown', description: 'd', fault: new FullShutdownFault(), methods: [] });
      const result = await runDrill(
        scenario,
        { recovery: Recoveries.parallelRestart(), expected: Expect.recovers() },
        { nodes: 3, startPolicy: 'OrderedReady', tableWait: { retryTimeoutMs: 1_000, retryLimit: 1 }, terminationGracePeriodSeconds: 30, rabbitmq: { series: '3.10', metadataStore: 'mnesia' }, messagesPerQueue: 1, recoveryTimeoutMs: 10_000, keep: false },
        { platform, runId: 'gate', reportDir, log: new FileLogger(join(reportDir, 'warren.log'), redactor), signal: new AbortController().signal, events: new RunEvents(), redactor },
      );
      return { result, cluster };
    }

    it('reports not-applicable, naming what is missing, before any exec, and still tears the cluster down', async () => {
      const { result, cluster } = await drillOn(['release', 'volume-files']);
      expect(result.report).toMatchObject({ outcome: 'not-applicable', passed: true, reason: 'the local platform cannot: statefulset (what full-shutdown and parallel-restart require)' });
      expect(cluster.calls.map((call) => call.op)).toEqual(['teardown']);
    });

    it('lets a drill whose needs are met go on (negative control: it then meets this fake, which serves no AMQP)', async () => {
      const { result, cluster } = await drillOn(['statefulset']);
      expect(result.report.outcome).not.toBe('not-applicable');
      expect(cluster.calls.map((call) => call.op)).toContain('teardown');
    });
  });
});

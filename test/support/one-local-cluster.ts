import type { RabbitMqRelease } from '../../src/core/rabbitmq-release.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCredentials, Redactor, type Credentials } from '../../src/common/secrets.js';
import { LocalPlatform } from '../../src/platforms/local/local-platform.js';
import type { LocalCluster } from '../../src/platforms/local/local-cluster.js';
import { FileLogger } from '../../src/common/logger.js';

/** A real local cluster for a platform-level test, with its credentials; `dispose` tears it down and removes its log dir. */
export interface TestCluster extends AsyncDisposable {
  cluster: LocalCluster;
  credentials: Credentials;
}

/** Provisions `nodes` real rabbitmq-server pods of `rabbitmq` on loopback (OrderedReady, short table waits), every pod ready. */
export async function provisionLocalCluster(nodes: number, rabbitmq: RabbitMqRelease = { series: '3.10', metadataStore: 'mnesia' }): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'warren-test-report-'));
  const redactor = new Redactor();
  const credentials = generateCredentials();
  redactor.add(credentials);
  const cluster = await new LocalPlatform({ redactor }).provision(
    { runId: `test-${Date.now().toString(16)}`, nodes, startPolicy: 'OrderedReady', credentials, tableWait: { retryTimeoutMs: 3_000, retryLimit: 2 }, rabbitmq },
    { signal: new AbortController().signal, log: new FileLogger(join(dir, 'warren.log'), redactor), keep: false },
  ).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    cluster,
    credentials,
    async [Symbol.asyncDispose]() {
      await cluster.teardown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

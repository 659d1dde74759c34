import { execa } from 'execa';
import { access, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../common/errors.js';
import { findFreePortBlock } from '../../common/ports.js';
import type { Redactor } from '../../common/secrets.js';
import { waitFor } from '../../common/wait.js';
import type { ClusterSpec, Platform, ProvisionContext, StartedCluster } from '../../core/platform.js';
import { Epmd } from './epmd.js';
import { exitGuard } from './exit-guard.js';
import { LocalCluster, writePodSecret } from './local-cluster.js';
import { advancedConfig, nodeEnv, nodeLayout, RABBITMQ_BIN, rabbitmqConf, type NodeLayout } from './node-layout.js';
import { findImage, layerMountPoint } from './rabbitmq-image.js';
import type { RabbitMqRelease } from '../../core/rabbitmq-release.js';
import { metadataStoreFrom } from '../../broker/rabbitmq-info.js';
import { featureFlags } from '../../broker/feature-flags.js';
import type { Logger } from '../../common/logger.js';
import { createOwnedDirectory, currentOwner, formatOwner } from './run-owner.js';

export interface LocalPlatformOptions {
  redactor: Redactor;
  /** Where run directories go; default: the OS temp dir. */
  baseDir?: string;
  /** How long a fresh cluster may take to have every pod ready. */
  provisionTimeoutMs?: number;
}

/** `<baseDir>/warren-<runId>`: where everything of one run lives (runId is `<run id>-<method>` for a drill). */
export function runDirectory(runId: string, baseDir = tmpdir()): string {
  return join(baseDir, `warren-${runId}`);
}

/** The local platform: each pod is a real rabbitmq-server process from Debian's package, on loopback. */
export class LocalPlatform implements Platform {
  readonly name = 'local' as const;

  constructor(private readonly options: LocalPlatformOptions) {}

  /**
   * Checks what the runs need before anything starts: the host's package for 3.10, each other series' root
   * filesystem (and root, to enter it).
   * @throws EnvironmentError, one line naming what to run.
   */
  async preflight(releases: readonly RabbitMqRelease[] = [{ series: '3.10', metadataStore: 'mnesia' }]): Promise<void> {
    for (const series of new Set(releases.map((release) => release.series))) if (series !== '3.10') await findImage(series);
    const missing: string[] = [];
    try {
      await access(join(RABBITMQ_BIN, 'rabbitmq-server'), constants.X_OK);
    } catch {
      missing.push(`rabbitmq-server (${RABBITMQ_BIN}/rabbitmq-server)`);
    }
    const epmd = await execa('sh', ['-c', 'command -v epmd'], { reject: false });
    if (epmd.exitCode !== 0) missing.push('epmd (Erlang)');
    if (missing.length > 0) {
      throw new EnvironmentError(`local platform: missing ${missing.join(', ')}; install with: npm run setup`);
    }
  }

  async provision(spec: ClusterSpec, context: ProvisionContext): Promise<LocalCluster> {
    const runDir = runDirectory(spec.runId, this.options.baseDir);
    const log = context.log.child('local');
    const owner = currentOwner();
    const image = await findImage(spec.rabbitmq.series);
    await createOwnedDirectory(runDir, owner);
    exitGuard.watchRun(spec.runId, runDir);
    let epmd: Epmd;
    let layouts: NodeLayout[];
    let envs: Record<string, string>[];
    try {
      const [epmdPort, ...nodePorts] = await findFreePortBlock(1 + 2 * spec.nodes);
      layouts = Array.from({ length: spec.nodes }, (_, i) => nodeLayout(runDir, i, nodePorts[2 * i]!, nodePorts[2 * i + 1]!));
      envs = layouts.map((layout) => nodeEnv(spec.runId, layout, epmdPort!, owner));
      for (const layout of layouts) {
        for (const dir of [layout.home, layout.volume, layout.logDir, layout.configDir]) await mkdir(dir, { recursive: true, mode: 0o700 });
        // No plugins: the management plugin alone adds ~5 s to every graceful stop.
        await writeFile(join(layout.configDir, 'enabled_plugins'), '[].\n');
        await writeFile(join(layout.configDir, 'advanced.config'), advancedConfig(spec));
        // The epmd and CLI calls before the first pod need a cookie; each pod writes its own Secret at start.
        await writePodSecret(layout, rabbitmqConf(spec, layout, spec.credentials), spec.credentials.erlangCookie);
      }
      if (image.rootfs !== undefined) await mkdir(layerMountPoint(runDir), { mode: 0o700 });
      log.info(`RabbitMQ ${spec.rabbitmq.series} on ${spec.rabbitmq.metadataStore} from ${image.rootfs ?? "the host's package"}`);
      log.info(`run directory ${runDir} (owner ${formatOwner(owner)}); epmd port ${epmdPort}; nodes ${layouts.map((l) => `${l.nodeName} amqp:${l.amqpPort} dist:${l.distPort}`).join(', ')}`);
      epmd = await Epmd.start(epmdPort!, runDir, envs[0]!, context.signal);
    } catch (error) {
      // Nothing runs yet (a failed epmd start stops itself): the directory goes, the original error is what the caller sees.
      await rm(runDir, { recursive: true, force: true });
      exitGuard.forgetRun(spec.runId);
      throw error;
    }
    const cluster = new LocalCluster({
      spec,
      runDir,
      layouts,
      envs,
      epmd,
      image,
      log,
      redactor: this.options.redactor,
      signal: context.signal,
      ...(context.onPodChange ? { onPodChange: context.onPodChange } : {}),
    });
    try {
      cluster.startUp();
      await waitFor('every pod ready after install', async () => cluster.status().every((pod) => pod.phase === 'ready'), {
        timeoutMs: this.options.provisionTimeoutMs ?? 120_000,
        intervalMs: 100,
        signal: context.signal,
      });
      if (spec.rabbitmq.metadataStore === 'khepri' && spec.rabbitmq.series === '4.0') await enableKhepri(cluster, log);
      cluster.installed();
      return cluster;
    } catch (error) {
      // A half-started cluster undoes itself; the original error is what the caller sees.
      await cluster.teardown({ keep: false }).catch((undo) => log.warn(`teardown after failed provision: ${String(undo)}`));
      throw error;
    }
  }
}

/**
 * 4.0 on Khepri: the cluster forms on Mnesia (4.0's default), then `rabbitmqctl enable_feature_flag --opt-in
 * khepri_db` migrates it (4.0.5 refuses without --opt-in: "requires the user to explicitly opt-in", measured);
 * the flag's state afterwards is read back (as the report reads the store), never assumed.
 * @throws EnvironmentError when the migration fails or the flag is not enabled afterwards.
 */
async function enableKhepri(cluster: StartedCluster, log: Logger): Promise<void> {
  const enable = await cluster.exec(0, 'rabbitmqctl', ['enable_feature_flag', '--opt-in', 'khepri_db'], { timeoutMs: 120_000 });
  if (enable.exitCode !== 0) throw new EnvironmentError(`enabling khepri_db on the fresh 4.0 cluster failed: ${(enable.stderr || enable.stdout).trim()}`);
  const flags = await featureFlags(cluster, 0);
  if ('error' in flags || metadataStoreFrom(flags) !== 'khepri') {
    throw new EnvironmentError(`khepri_db is not enabled after enable_feature_flag on the fresh 4.0 cluster: ${'error' in flags ? flags.error : 'the flag reads disabled'}`);
  }
  log.info('metadata store migrated to Khepri (khepri_db enabled)');
}

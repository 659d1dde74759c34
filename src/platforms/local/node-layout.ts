import { join } from 'node:path';
import type { ClusterSpec } from '../../core/platform.js';
import type { Credentials } from '../../common/secrets.js';
import { OWNER_VARIABLE, RUN_LABEL_VARIABLE } from './process-labels.js';
import { formatOwner, type RunOwner } from './run-owner.js';

export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

/** One node's "pod": its ports, directories (the PVC is `volume`) and the files it boots from. */
export interface NodeLayout {
  ordinal: number;
  nodeName: string;
  amqpPort: number;
  distPort: number;
  home: string;
  volume: string;
  dataDir: string;
  logDir: string;
  configDir: string;
}

export function nodeName(ordinal: number): string {
  return `rabbit-${ordinal}@localhost`;
}

export function nodeLayout(runDir: string, ordinal: number, amqpPort: number, distPort: number): NodeLayout {
  const name = nodeName(ordinal);
  const pod = `rabbit-${ordinal}`;
  const volume = join(runDir, 'volumes', pod);
  return {
    ordinal,
    nodeName: name,
    amqpPort,
    distPort,
    home: join(runDir, 'home', pod),
    volume,
    // RabbitMQ's mnesia dir is <MNESIA_BASE>/<nodename>: this is where force_load must go.
    dataDir: join(volume, name),
    logDir: join(runDir, 'logs', pod),
    configDir: join(runDir, 'config', pod),
  };
}

/**
 * rabbitmq.conf for one node: loopback only, the Secret's user, classic-config peer discovery with short
 * retries (stock settings spend ~40 s discovering a fresh cluster), and short Mnesia table waits so a node
 * that cannot boot fails in seconds, not 5 minutes.
 */
export function rabbitmqConf(spec: ClusterSpec, layout: NodeLayout, credentials: Credentials): string {
  const peers = Array.from({ length: spec.nodes }, (_, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${nodeName(i)}`);
  return [
    `listeners.tcp.1 = 127.0.0.1:${layout.amqpPort}`,
    `default_user = ${credentials.username}`,
    `default_pass = ${credentials.password}`,
    `mnesia_table_loading_retry_timeout = ${spec.tableWait.retryTimeoutMs}`,
    `mnesia_table_loading_retry_limit = ${spec.tableWait.retryLimit}`,
    'cluster_formation.peer_discovery_backend = classic_config',
    ...peers,
    'cluster_formation.discovery_retry_limit = 10',
    'cluster_formation.discovery_retry_interval = 300',
    // A node that loses the formation lock retries after lock_retry_timeout (stock: 30 s).
    'cluster_formation.internal_lock_retries = 2',
    'cluster_formation.lock_retry_timeout = 500',
    'cluster_formation.lock_retry_limit = 240',
    'log.file.level = info',
    'log.console = false',
    '',
  ].join('\n');
}

/**
 * The node's whole environment. Deliberately not inherited from the caller: a stray RABBITMQ_* variable
 * must not leak into a drill. The private epmd port and loopback-only distribution keep warren's nodes
 * apart from any RabbitMQ already running on the host. The run's label (`runId`, the run directory's name
 * after `warren-`) and its owner go into every process, and so into every descendant (see process-labels.ts).
 */
export function nodeEnv(runId: string, layout: NodeLayout, epmdPort: number, owner: RunOwner): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: layout.home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    RABBITMQ_NODENAME: layout.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(layout.amqpPort),
    RABBITMQ_DIST_PORT: String(layout.distPort),
    RABBITMQ_MNESIA_BASE: layout.volume,
    RABBITMQ_LOG_BASE: layout.logDir,
    RABBITMQ_CONFIG_FILE: join(layout.configDir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(layout.configDir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(layout.configDir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(layout.configDir, 'rabbitmq-env.conf.absent'),
    RABBITMQ_PID_FILE: join(layout.volume, 'rabbit.pid'),
    // Unbound schedulers: bound ones pile every node's busiest scheduler onto core 0 (measured: ~10 s a drill).
    RABBITMQ_SCHEDULER_BIND_TYPE: 'u',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_CRASH_DUMP_SECONDS: '0',
    // Applies to the server and every CLI tool: never start a stray epmd, never listen beyond loopback.
    ERL_AFLAGS: '-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}',
    [RUN_LABEL_VARIABLE]: runId,
    [OWNER_VARIABLE]: formatOwner(owner),
  };
}

/**
 * advanced.config for one node: Khepri's wait for a Raft leader at boot (`khepri_leader_wait_retry_timeout`, in
 * ms; RabbitMQ 4.x's `rabbit_khepri`, default 300 000 ms, not in rabbitmq.conf's schema) is bounded like Mnesia's
 * table wait (timeout × retries), so a lone Khepri member that cannot elect a leader fails its boot in seconds, as
 * a lone Mnesia node does. 3.10 ignores the key.
 */
export function advancedConfig(spec: Pick<ClusterSpec, 'tableWait'>): string {
  const leaderWaitMs = spec.tableWait.retryTimeoutMs * spec.tableWait.retryLimit;
  return `[{rabbit, [{khepri_leader_wait_retry_timeout, ${leaderWaitMs}}]}].\n`;
}

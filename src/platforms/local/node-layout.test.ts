import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ClusterSpec } from '../../core/platform.js';
import { nodeEnv, nodeLayout, nodeName, rabbitmqConf } from './node-layout.js';

const RUN_DIR = '/tmp/warren-test-run';

// Obviously fake credentials: never a real-looking secret in a test.
const spec: ClusterSpec = {
  runId: 'run-1234',
  nodes: 3,
  startPolicy: 'OrderedReady',
  credentials: { username: 'warren', password: 'FAKE-PASSWORD', erlangCookie: 'FAKECOOKIE' },
  tableWait: { retryTimeoutMs: 4_321, retryLimit: 7 }, terminationGracePeriodSeconds: 30, rabbitmq: { series: '3.10', metadataStore: 'mnesia' }
};

describe('nodeLayout', () => {
  it('puts the data dir at <volume>/<nodename>, where RabbitMQ keeps Mnesia', () => {
    const layout = nodeLayout(RUN_DIR, 1, 21_001, 21_002);
    expect(layout).toEqual({
      ordinal: 1,
      nodeName: 'rabbit-1@localhost',
      amqpPort: 21_001,
      distPort: 21_002,
      home: join(RUN_DIR, 'home', 'rabbit-1'),
      volume: join(RUN_DIR, 'volumes', 'rabbit-1'),
      dataDir: join(RUN_DIR, 'volumes', 'rabbit-1', 'rabbit-1@localhost'),
      logDir: join(RUN_DIR, 'logs', 'rabbit-1'),
      configDir: join(RUN_DIR, 'config', 'rabbit-1'),
    });
  });
});

describe('rabbitmqConf', () => {
  const layout = nodeLayout(RUN_DIR, 0, 21_000, 21_001);
  const conf = rabbitmqConf(spec, layout, spec.credentials);
  const lines = conf.split('\n');

  it('listens for AMQP on 127.0.0.1 only', () => {
    const listeners = lines.filter((line) => line.startsWith('listeners.'));
    expect(listeners).toEqual(['listeners.tcp.1 = 127.0.0.1:21000']);
  });

  it('lists every peer for classic-config discovery', () => {
    expect(lines).toContain('cluster_formation.peer_discovery_backend = classic_config');
    const peers = lines.filter((line) => line.startsWith('cluster_formation.classic_config.nodes.'));
    expect(peers).toEqual([
      'cluster_formation.classic_config.nodes.1 = rabbit-0@localhost',
      'cluster_formation.classic_config.nodes.2 = rabbit-1@localhost',
      'cluster_formation.classic_config.nodes.3 = rabbit-2@localhost',
    ]);
  });

  it('takes the table-wait settings and the user from the spec', () => {
    expect(lines).toContain('mnesia_table_loading_retry_timeout = 4321');
    expect(lines).toContain('mnesia_table_loading_retry_limit = 7');
    expect(lines).toContain('default_user = warren');
    expect(lines).toContain('default_pass = FAKE-PASSWORD');
  });

  it('lists as many peers as the spec has nodes', () => {
    const five = rabbitmqConf({ ...spec, nodes: 5 }, layout, spec.credentials);
    expect(five).toContain('cluster_formation.classic_config.nodes.5 = rabbit-4@localhost');
    expect(five).not.toContain('nodes.6');
  });

  it('is one `key = value` per line', () => {
    for (const line of lines.filter((l) => l !== '')) expect(line).toMatch(/^[a-z_.0-9]+ = \S+$/);
  });
});

describe('nodeEnv', () => {
  const OWNER = { pid: 4242, startTime: 987_654 };
  const layout = nodeLayout(RUN_DIR, 2, 21_010, 21_011);

  it('does not inherit the caller’s RABBITMQ_* variables', () => {
    vi.stubEnv('RABBITMQ_USE_LONGNAME', 'true');
    vi.stubEnv('RABBITMQ_NODENAME', 'stray@elsewhere');
    vi.stubEnv('RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS', '-setcookie STRAY');
    const env = nodeEnv('run-1234', layout, 24_000, OWNER);
    expect(env).not.toHaveProperty('RABBITMQ_USE_LONGNAME');
    expect(env).not.toHaveProperty('RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS');
    expect(env.RABBITMQ_NODENAME).toBe('rabbit-2@localhost');
  });

  it('keeps the node’s distribution on loopback and away from the host’s epmd', () => {
    const env = nodeEnv('run-1234', layout, 24_000, OWNER);
    expect(env.ERL_AFLAGS).toContain('-start_epmd false');
    expect(env.ERL_AFLAGS).toContain('inet_dist_use_interface {127,0,0,1}');
    expect(env.ERL_EPMD_PORT).toBe('24000');
    expect(env.ERL_EPMD_ADDRESS).toBe('127.0.0.1');
    expect(env.RABBITMQ_NODE_IP_ADDRESS).toBe('127.0.0.1');
    expect(env.RABBITMQ_NODE_PORT).toBe('21010');
    expect(env.RABBITMQ_DIST_PORT).toBe('21011');
  });

  it('points RabbitMQ at the layout’s directories and tags the run', () => {
    const env = nodeEnv('run-1234', layout, 24_000, OWNER);
    expect(env.WARREN_RUN_ID).toBe('run-1234');
    expect(env.WARREN_OWNER).toBe('4242:987654');
    expect(env.HOME).toBe(layout.home);
    expect(env.RABBITMQ_MNESIA_BASE).toBe(layout.volume);
    expect(env.RABBITMQ_LOG_BASE).toBe(layout.logDir);
    expect(env.RABBITMQ_CONFIG_FILE).toBe(join(layout.configDir, 'rabbitmq.conf'));
  });

  it('passes PATH through', () => {
    vi.stubEnv('PATH', '/opt/fake/bin:/usr/bin');
    expect(nodeEnv('run-1234', layout, 24_000, OWNER).PATH).toBe('/opt/fake/bin:/usr/bin');
  });

  it('uses the node name scheme of the layout', () => {
    expect(nodeName(7)).toBe('rabbit-7@localhost');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKindConfig, type KindConfigOptions } from './kind-config.js';
import { NODE_PORT_BASE, SEED_AMQP_NODE_PORT, MAX_REPLICAS } from './manifests.js';

interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress?: string;
  protocol?: string;
}

interface KindNode {
  role: string;
  extraPortMappings?: PortMapping[];
}

interface KindConfig {
  kind: string;
  apiVersion: string;
  name: string;
  nodes: KindNode[];
}

const BASE = readFileSync(new URL('../../../kind-config.yaml', import.meta.url), 'utf8');
const CONTAINER_PORTS = [SEED_AMQP_NODE_PORT, ...Array.from({ length: MAX_REPLICAS }, (_, i) => NODE_PORT_BASE + i)];

function mappings(config: KindConfig): PortMapping[] {
  return config.nodes.flatMap((node) => node.extraPortMappings ?? []);
}

function roles(config: KindConfig): string[] {
  return config.nodes.map((node) => node.role);
}

function render(options: Partial<KindConfigOptions> = {}): KindConfig {
  return parse(renderKindConfig(BASE, { name: 'warren-run-1234', hostPorts: new Map(), workers: 3, ...options })) as KindConfig;
}

describe('kind-config.yaml', () => {
  const base = parse(BASE) as KindConfig;

  it('is one control plane and three workers', () => {
    expect(roles(base)).toEqual(['control-plane', 'worker', 'worker', 'worker']);
  });

  it('maps the seed Service and one NodePort per pod (up to 9) on the control plane, on 127.0.0.1 only', () => {
    const controlPlane = base.nodes.find((node) => node.role === 'control-plane')!;
    expect(controlPlane.extraPortMappings!.map((m) => m.containerPort)).toEqual(CONTAINER_PORTS);
    expect(mappings(base)).toHaveLength(CONTAINER_PORTS.length);
    for (const mapping of mappings(base)) expect(mapping).toEqual({ containerPort: mapping.containerPort, hostPort: mapping.containerPort, listenAddress: '127.0.0.1', protocol: 'TCP' });
  });
});

describe('renderKindConfig', () => {
  const hostPorts = new Map(CONTAINER_PORTS.map((port, i) => [port, 41_000 + i]));

  it('names the cluster', () => {
    expect(render().name).toBe('warren-run-1234');
  });

  it('rewrites every mapping’s host port and keeps it on 127.0.0.1', () => {
    const config = render({ hostPorts });
    expect(mappings(config).map((m) => [m.containerPort, m.hostPort])).toEqual([...hostPorts]);
    for (const mapping of mappings(config)) {
      expect(mapping.listenAddress).toBe('127.0.0.1');
      expect(mapping.protocol).toBe('TCP');
    }
  });

  it('drops a mapping whose containerPort it was not given: a fixed host port would stop a second kind cluster', () => {
    const config = render({ hostPorts: new Map([[SEED_AMQP_NODE_PORT, 41_000], [NODE_PORT_BASE, 41_001]]) });
    expect(mappings(config).map((m) => [m.containerPort, m.hostPort])).toEqual([
      [SEED_AMQP_NODE_PORT, 41_000],
      [NODE_PORT_BASE, 41_001],
    ]);
    // No host port of the base file is left bound (the old rendering kept 30673–30680 fixed).
    expect(mappings(config).some((m) => m.hostPort === m.containerPort)).toBe(false);
  });

  it.each([3, 5])('sets %i workers beside the one control plane', (workers) => {
    expect(roles(render({ workers }))).toEqual(['control-plane', ...Array.from({ length: workers }, () => 'worker')]);
  });

  it('keeps the explanatory comments', () => {
    const text = renderKindConfig(BASE, { name: 'warren-x', hostPorts, workers: 5 });
    expect(text).toContain("# A kind cluster for warren's kind platform");
    expect(text).toContain('# - 30671: the seed');
  });

  it('leaves the base text alone and is repeatable', () => {
    const before = BASE;
    const once = renderKindConfig(BASE, { name: 'warren-x', hostPorts, workers: 5 });
    expect(renderKindConfig(BASE, { name: 'warren-x', hostPorts, workers: 5 })).toBe(once);
    expect(BASE).toBe(before);
  });

  it('refuses a host port for a container port nobody maps', () => {
    expect(() => render({ hostPorts: new Map([[30_999, 41_000]]) })).toThrow(/no extraPortMappings entry for containerPort 30999/);
  });

  it('refuses bad options before editing anything', () => {
    expect(() => render({ workers: 0 })).toThrow(TypeError);
    expect(() => render({ name: 'Warren_Run' })).toThrow(TypeError);
    expect(() => render({ hostPorts: new Map([[SEED_AMQP_NODE_PORT, 70_000]]) })).toThrow(TypeError);
    expect(() => render({ hostPorts: new Map([[SEED_AMQP_NODE_PORT, 41_000], [NODE_PORT_BASE, 41_000]]) })).toThrow(/share a host port/);
  });

  it('refuses a base config that would expose a port beyond loopback', () => {
    const exposed = BASE.replace('listenAddress: 127.0.0.1', 'listenAddress: 0.0.0.0');
    expect(() => renderKindConfig(exposed, { name: 'warren-x', hostPorts: new Map(), workers: 3 })).toThrow(/127\.0\.0\.1 only/);
  });
});

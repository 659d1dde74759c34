import { isMap, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { HarnessError } from '../../common/errors.js';

export interface KindConfigOptions {
  /** The kind cluster's name (Docker container names derive from it). */
  name: string;
  /** containerPort → hostPort: free host ports per run, so parallel runs never collide. */
  hostPorts: ReadonlyMap<number, number>;
  /** One worker per RabbitMQ pod: the StatefulSet's anti-affinity puts each pod on its own node. */
  workers: number;
}

// kind's own rule for cluster names.
const CLUSTER_NAME = /^[a-z0-9.-]+$/;
// A NodePort bound beyond loopback would expose a run's RabbitMQ to the network.
const LOOPBACK = '127.0.0.1';

/**
 * kind-config.yaml for one run: the cluster name, each extraPortMapping's hostPort, and the number of workers.
 * Mappings whose containerPort is not in `hostPorts` are dropped: left at their fixed host port (30675–30680 for the
 * pods a 3-node run does not have), they would stop a second kind cluster from binding it (review "kind first run",
 * item 10). Edited as a YAML document, so its comments stay.
 */
export function renderKindConfig(baseYaml: string, options: KindConfigOptions): string {
  checkOptions(options);
  const document = parseDocument(baseYaml);
  if (document.errors.length > 0) throw new HarnessError(`kind config: ${document.errors[0]!.message}`);
  document.set('name', options.name);
  const nodes = document.get('nodes');
  if (!isSeq(nodes)) throw new HarnessError('kind config: no nodes list');
  setHostPorts(nodes, options.hostPorts);
  setWorkers(document, nodes, options.workers);
  return document.toString();
}

function checkOptions({ name, hostPorts, workers }: KindConfigOptions): void {
  if (!CLUSTER_NAME.test(name)) throw new TypeError(`kind config: cluster name "${name}" must match ${CLUSTER_NAME}`);
  if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`kind config: workers must be a positive integer, got ${workers}`);
  for (const port of hostPorts.values()) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`kind config: host port ${port} is not a TCP port`);
  }
  if (new Set(hostPorts.values()).size !== hostPorts.size) throw new TypeError('kind config: two container ports share a host port');
}

function portMappings(nodes: YAMLSeq): YAMLMap[] {
  return nodes.items.flatMap((node) => {
    const mappings = isMap(node) ? node.get('extraPortMappings') : undefined;
    return isSeq(mappings) ? mappings.items.filter(isMap) : [];
  });
}

function setHostPorts(nodes: YAMLSeq, hostPorts: ReadonlyMap<number, number>): void {
  const unmapped = new Set(hostPorts.keys());
  for (const mapping of portMappings(nodes)) {
    if (mapping.get('listenAddress') !== LOOPBACK) {
      throw new HarnessError(`kind config: port mapping for ${String(mapping.get('containerPort'))} must listen on ${LOOPBACK} only`);
    }
    const containerPort = mapping.get('containerPort');
    const hostPort = typeof containerPort === 'number' ? hostPorts.get(containerPort) : undefined;
    if (hostPort === undefined) continue;
    mapping.set('hostPort', hostPort);
    unmapped.delete(containerPort as number);
  }
  for (const node of nodes.items) {
    const mappings = isMap(node) ? node.get('extraPortMappings') : undefined;
    if (!isSeq(mappings)) continue;
    mappings.items = mappings.items.filter((mapping) => isMap(mapping) && typeof mapping.get('containerPort') === 'number' && hostPorts.has(mapping.get('containerPort') as number));
  }
  // A host port asked for but never mapped would send warren's checks to a port nobody listens on.
  if (unmapped.size > 0) throw new TypeError(`kind config: no extraPortMappings entry for containerPort ${[...unmapped].join(', ')}`);
}

/** Replaces the workers with `count` copies of the first one (so settings such as a node image carry over). */
function setWorkers(document: Document, nodes: YAMLSeq, count: number): void {
  const isWorker = (node: unknown): boolean => isMap(node) && node.get('role') === 'worker';
  const template = nodes.items.find(isWorker);
  nodes.items = nodes.items.filter((node) => !isWorker(node));
  for (let i = 0; i < count; i++) nodes.items.push(isMap(template) ? template.clone() : document.createNode({ role: 'worker' }));
}

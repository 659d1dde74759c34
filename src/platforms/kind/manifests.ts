import { readFileSync } from 'node:fs';
import type { V1ConfigMap, V1Container, V1Namespace, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { HarnessError } from '../../common/errors.js';
import type { Credentials } from '../../common/secrets.js';
import type { LivenessProbe, StartPolicy, TableWaitSettings } from '../../core/platform.js';
import { withConfList, withConfValues } from './rabbitmq-conf.js';

/** Every object of a run carries it, so a sweep can find leftovers by label (testcontainers' reaper idea). */
export const RUN_LABEL = 'warren.dev/run-id';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'warren';
export const NAME_LABEL = 'app.kubernetes.io/name';
/** On the pod template: changing it is a new template revision, so the StatefulSet rolls its pods. */
export const REVISION_ANNOTATION = 'warren.dev/template-revision';
/** Pod i's own AMQP NodePort is NODE_PORT_BASE + i; kind-config.yaml maps 30672..30680 to the host. */
export const NODE_PORT_BASE = 30672;
export const SEED_AMQP_NODE_PORT = 30671;
/** One NodePort per pod is mapped to the host (kind-config.yaml), and one kind worker per pod. */
export const MAX_REPLICAS = 9;
/** The official image, pinned: Mnesia by default (3.13 has no Khepri unless enabled), as in the field notes' era. */
export const DEFAULT_IMAGE = 'rabbitmq:3.13.7-management';

export interface RabbitMqManifestOptions {
  runId: string;
  namespace: string;
  replicas: number;
  startPolicy: StartPolicy;
  image: string;
  credentials: Credentials;
  tableWait: TableWaitSettings;
  /** The pod's terminationGracePeriodSeconds (the fixture's 30 s, Kubernetes' default, unless given). */
  terminationGracePeriodSeconds?: number;
  /** A liveness probe that logs in with the Secret (the fixture has none). */
  livenessProbe?: LivenessProbe;
  forceBoot: boolean;
  templateRevision: number;
}

export interface RabbitMqObjects {
  secret: V1Secret;
  configMap: V1ConfigMap;
  headlessService: V1Service;
  amqpService: V1Service;
  podServices: V1Service[];
  statefulSet: V1StatefulSet;
}

const APP = 'rabbitmq';
const STATEFUL_SET = 'rabbitmq';
const HEADLESS_SERVICE = 'rabbitmq-headless';
const SERVER_CONTAINER = 'rabbitmq';
const COOKIE_CONTAINER = 'erlang-cookie';
const MNESIA_BASE = '/var/lib/rabbitmq/mnesia';
const PEER_LIST = 'cluster_formation.classic_config.nodes';
const FIXTURE = new URL('../../../fixtures/kind/rabbitmq.yaml', import.meta.url);
/** Kubernetes label values and DNS-1123 labels (namespace names). */
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

// The script's lines. `exec` makes the server PID 1, so the kubelet's SIGTERM stops it gracefully. The force boot
// line is the field notes' edit ("insert `rabbitmqctl force_boot` just before exec"); `;` lets the server start
// whatever force_boot says, and the echo puts its exit code into the container log for forceBootRuns.
const FORCE_BOOT_LINE = 'rabbitmqctl force_boot; echo "warren: force_boot exit code $?"';
const SERVER_LINE = 'exec docker-entrypoint.sh rabbitmq-server';
// The chart-style switch (what the Bitnami entrypoint does with RABBITMQ_FORCE_BOOT=yes): always in the script,
// acting only when the env var is set, so "chart force boot" and "StatefulSet edit" stay two mechanisms.
const FORCE_BOOT_ENV_LINE = `if [ "$RABBITMQ_FORCE_BOOT" = yes ]; then ${FORCE_BOOT_LINE}; fi`;
const FORCE_BOOT_COMMAND = /^\s*rabbitmqctl\s+force_boot\b/;

export function podName(ordinal: number): string {
  return `${STATEFUL_SET}-${ordinal}`;
}

/** The Erlang node name RABBITMQ_NODENAME gives pod `ordinal`: stable, so its mnesia dir on the PVC is too. */
export function nodeName(ordinal: number, namespace: string): string {
  return `rabbit@${podName(ordinal)}.${HEADLESS_SERVICE}.${namespace}.svc.cluster.local`;
}

/** Where force_boot writes `force_load`, inside the pod. */
export function mnesiaDir(ordinal: number, namespace: string): string {
  return `${MNESIA_BASE}/${nodeName(ordinal, namespace)}`;
}

export function podServiceName(ordinal: number): string {
  return `${podName(ordinal)}-amqp`;
}

export function podNodePort(ordinal: number): number {
  return NODE_PORT_BASE + ordinal;
}

/** The server container's `/bin/sh -c` script; the force boot line is there only while force boot is on. */
export function containerScript(forceBoot: boolean): string {
  return [FORCE_BOOT_ENV_LINE, ...(forceBoot ? [FORCE_BOOT_LINE] : []), SERVER_LINE, ''].join('\n');
}

/** Whether a StatefulSet (as rendered, or as read back from the API server) runs force_boot before the server. */
export function forceBootEnabled(statefulSet: V1StatefulSet): boolean {
  const command = serverContainer(statefulSet).command ?? [];
  const [shell, flag, script] = command;
  if (command.length !== 3 || shell !== '/bin/sh' || flag !== '-c' || script === undefined) {
    throw new HarnessError(`statefulset ${STATEFUL_SET}: container ${SERVER_CONTAINER} does not run a /bin/sh -c script`);
  }
  return script.split('\n').some((line) => FORCE_BOOT_COMMAND.test(line));
}

export function namespaceObject(runId: string, name: string): V1Namespace {
  checkLabelValue('runId', runId);
  checkDnsLabel('namespace', name);
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: runId } } };
}

/** Everything warren applies to install RabbitMQ for one run, from fixtures/kind/rabbitmq.yaml. */
export function rabbitMqObjects(options: RabbitMqManifestOptions): RabbitMqObjects {
  checkOptions(options);
  const fixture = structuredClone(loadFixture());
  return {
    secret: renderSecret(fixture.secret, options),
    configMap: renderConfigMap(fixture.configMap, options),
    headlessService: selectRunPods(fixture.headlessService, options),
    amqpService: renderSeedService(fixture.amqpService, options),
    podServices: Array.from({ length: options.replicas }, (_, ordinal) => renderPodService(structuredClone(fixture.podServiceTemplate), ordinal, options)),
    statefulSet: renderStatefulSet(fixture.statefulSet, options),
  };
}

// ---- the fixture ----

interface Fixture {
  secret: V1Secret;
  configMap: V1ConfigMap;
  headlessService: V1Service;
  amqpService: V1Service;
  podServiceTemplate: V1Service;
  statefulSet: V1StatefulSet;
}

interface KubeObject {
  kind?: string;
  metadata?: { name?: string };
}

let fixture: Fixture | undefined;

// Read at first use, not at import: a caller that never renders never touches the file.
function loadFixture(): Fixture {
  fixture ??= parseFixture(readFileSync(FIXTURE, 'utf8'));
  return fixture;
}

function parseFixture(text: string): Fixture {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new HarnessError(`fixtures/kind/rabbitmq.yaml: ${document.errors[0]!.message}`);
    const object: unknown = document.toJS();
    if (object !== null && object !== undefined) objects.push(object as KubeObject);
  }
  const find = <T>(kind: string, name: string): T => {
    const found = objects.filter((object) => object.kind === kind && object.metadata?.name === name);
    if (found.length !== 1) throw new HarnessError(`fixtures/kind/rabbitmq.yaml: expected one ${kind} ${name}, found ${found.length}`);
    return found[0] as T;
  };
  return {
    secret: find('Secret', 'rabbitmq'),
    configMap: find('ConfigMap', 'rabbitmq-config'),
    headlessService: find('Service', HEADLESS_SERVICE),
    amqpService: find('Service', 'rabbitmq-amqp'),
    podServiceTemplate: find('Service', podServiceName(0)),
    statefulSet: find('StatefulSet', STATEFUL_SET),
  };
}

// ---- options ----

function checkOptions(options: RabbitMqManifestOptions): void {
  const { replicas, templateRevision, tableWait, credentials } = options;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new TypeError(`kind manifests: replicas must be an integer 1..${MAX_REPLICAS} (one host port per pod), got ${replicas}`);
  }
  if (!Number.isInteger(templateRevision) || templateRevision < 0) {
    throw new TypeError(`kind manifests: templateRevision must be a non-negative integer, got ${templateRevision}`);
  }
  if (![tableWait.retryTimeoutMs, tableWait.retryLimit].every((value) => Number.isInteger(value) && value > 0)) {
    throw new TypeError('kind manifests: tableWait values must be positive integers');
  }
  // Never echo a credential in an error message: name the field only.
  if (credentials.password === '' || credentials.erlangCookie === '') throw new TypeError('kind manifests: empty password or Erlang cookie');
  if (options.image.trim() === '') throw new TypeError('kind manifests: empty image');
  checkLabelValue('runId', options.runId);
  checkDnsLabel('namespace', options.namespace);
}

function checkLabelValue(what: string, value: string): void {
  if (!LABEL_VALUE.test(value)) throw new TypeError(`kind manifests: ${what} "${value}" is not a valid label value (≤ 63 of A-Z a-z 0-9 - _ .)`);
}

function checkDnsLabel(what: string, value: string): void {
  if (!DNS_LABEL.test(value)) throw new TypeError(`kind manifests: ${what} "${value}" is not a DNS-1123 label (≤ 63 of a-z 0-9 -)`);
}

// ---- rendering ----

function runLabels(runId: string): Record<string, string> {
  return { [NAME_LABEL]: APP, [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: runId };
}

/** What selects this run's RabbitMQ pods (StatefulSet, Services, anti-affinity). */
function podSelector(runId: string): Record<string, string> {
  return { [NAME_LABEL]: APP, [RUN_LABEL]: runId };
}

function placeInRun<T extends { metadata?: { namespace?: string; labels?: Record<string, string> } }>(object: T, options: RabbitMqManifestOptions): T {
  object.metadata = { ...object.metadata, namespace: options.namespace, labels: { ...object.metadata?.labels, ...runLabels(options.runId) } };
  return object;
}

function renderSecret(secret: V1Secret, options: RabbitMqManifestOptions): V1Secret {
  // stringData replaces whatever the fixture holds; `data` would be merged with it on write, so it must not exist.
  delete secret.data;
  secret.stringData = {
    'rabbitmq-password': options.credentials.password,
    'rabbitmq-erlang-cookie': options.credentials.erlangCookie,
  };
  return placeInRun(secret, options);
}

function renderConfigMap(configMap: V1ConfigMap, options: RabbitMqManifestOptions): V1ConfigMap {
  const conf = configMap.data?.['rabbitmq.conf'];
  if (conf === undefined) throw new HarnessError('fixtures/kind/rabbitmq.yaml: ConfigMap rabbitmq-config has no rabbitmq.conf');
  const peers = Array.from({ length: options.replicas }, (_, ordinal) => nodeName(ordinal, options.namespace));
  const tableWait = {
    mnesia_table_loading_retry_timeout: options.tableWait.retryTimeoutMs,
    mnesia_table_loading_retry_limit: options.tableWait.retryLimit,
  };
  configMap.data = { ...configMap.data, 'rabbitmq.conf': withConfList(withConfValues(conf, tableWait), PEER_LIST, peers) };
  return placeInRun(configMap, options);
}

function selectRunPods(service: V1Service, options: RabbitMqManifestOptions): V1Service {
  service.spec = { ...service.spec, selector: podSelector(options.runId) };
  return placeInRun(service, options);
}

function renderSeedService(service: V1Service, options: RabbitMqManifestOptions): V1Service {
  setNodePort(service, SEED_AMQP_NODE_PORT);
  return selectRunPods(service, options);
}

function renderPodService(service: V1Service, ordinal: number, options: RabbitMqManifestOptions): V1Service {
  service.metadata = { ...service.metadata, name: podServiceName(ordinal) };
  // The StatefulSet controller labels each pod with its name: the one selector that means "this pod only".
  service.spec = { ...service.spec, selector: { 'statefulset.kubernetes.io/pod-name': podName(ordinal) } };
  setNodePort(service, podNodePort(ordinal));
  return placeInRun(service, options);
}

function setNodePort(service: V1Service, nodePort: number): void {
  const ports = service.spec?.ports ?? [];
  if (ports.length !== 1) throw new HarnessError(`fixtures/kind/rabbitmq.yaml: Service ${service.metadata?.name} must have exactly one port`);
  ports[0]!.nodePort = nodePort;
}

function renderStatefulSet(statefulSet: V1StatefulSet, options: RabbitMqManifestOptions): V1StatefulSet {
  const spec = statefulSet.spec;
  const pod = spec?.template.spec;
  if (spec === undefined || pod === undefined) throw new HarnessError('fixtures/kind/rabbitmq.yaml: StatefulSet rabbitmq has no pod template');
  const selector = podSelector(options.runId);
  spec.replicas = options.replicas;
  spec.podManagementPolicy = options.startPolicy;
  spec.selector = { matchLabels: selector };
  spec.template.metadata = {
    ...spec.template.metadata,
    labels: { ...spec.template.metadata?.labels, ...runLabels(options.runId) },
    annotations: { ...spec.template.metadata?.annotations, [REVISION_ANNOTATION]: String(options.templateRevision) },
  };
  for (const term of pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) term.labelSelector = { matchLabels: selector };
  for (const claim of spec.volumeClaimTemplates ?? []) claim.metadata = { ...claim.metadata, labels: { ...claim.metadata?.labels, ...runLabels(options.runId) } };
  namedContainer(pod.initContainers, COOKIE_CONTAINER).image = options.image;
  const server = serverContainer(statefulSet);
  server.image = options.image;
  server.command = ['/bin/sh', '-c', containerScript(options.forceBoot)];
  if (options.terminationGracePeriodSeconds !== undefined) pod.terminationGracePeriodSeconds = options.terminationGracePeriodSeconds;
  if (options.livenessProbe !== undefined) {
    // Logs in with the Secret (the container's env), as the local pods' probe does; the readiness probe does not.
    server.livenessProbe = {
      exec: { command: ['/bin/sh', '-c', 'rabbitmqctl -q authenticate_user "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS"'] },
      initialDelaySeconds: 10,
      periodSeconds: options.livenessProbe.periodSeconds,
      failureThreshold: options.livenessProbe.failureThreshold,
      timeoutSeconds: 20,
    };
  }
  setEnvValue(server, 'RABBITMQ_DEFAULT_USER', options.credentials.username);
  return placeInRun(statefulSet, options);
}

function serverContainer(statefulSet: V1StatefulSet): V1Container {
  return namedContainer(statefulSet.spec?.template.spec?.containers, SERVER_CONTAINER);
}

function namedContainer(containers: V1Container[] | undefined, name: string): V1Container {
  const container = containers?.find((candidate) => candidate.name === name);
  if (container === undefined) throw new HarnessError(`statefulset ${STATEFUL_SET}: no container ${name}`);
  return container;
}

function setEnvValue(container: V1Container, name: string, value: string): void {
  const variable = container.env?.find((candidate) => candidate.name === name);
  if (variable === undefined) throw new HarnessError(`statefulset ${STATEFUL_SET}: container ${container.name} has no env ${name}`);
  variable.value = value;
}

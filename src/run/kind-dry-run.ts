import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Logger } from '../common/logger.js';
import { generateCredentials, Redactor, type Credentials } from '../common/secrets.js';
import { errorMessage } from '../common/errors.js';
import type { DrillContext } from '../core/drill-context.js';
import type { StartPolicy } from '../core/platform.js';
import { releaseKey, type RabbitMqRelease } from '../core/rabbitmq-release.js';
import { FakeBitnamiChart } from '../platforms/kind/fake/fake-bitnami-chart.js';
import { FakeKubeApi, type RecordedRequest } from '../platforms/kind/fake/fake-kube-api.js';
import { RecordingRunner, type RecordedCommand } from '../platforms/kind/fake/recording-runner.js';
import { KindPlatform, type KindOptions } from '../platforms/kind/kind-platform.js';
import { expectationOn, type Scenario } from '../scenarios/scenario.js';

export interface KindDryRunOptions {
  scenario: Scenario;
  /** The methods to print, by name (the scenario's order). */
  methods: string[];
  /** The series whose expectations judge the image (--rabbitmq): which methods bring the pods back in the simulation. */
  release: RabbitMqRelease;
  kind: Partial<KindOptions>;
  nodes: number;
  startPolicy: StartPolicy;
  /** kind-config.yaml to render (default: the working directory's, as the CLI reads it). */
  kindConfigPath?: string;
  /** Where each printed line goes. */
  write: (line: string) => void;
  /** The run's Secret (default: generated per method, as a drill does); given by tests that look for it in the output. */
  credentials?: Credentials;
}

/** A Mnesia node stuck at boot logs this (RabbitMQ 3.x/4.x, rabbit_table); force-load-file acts on it. */
const TABLE_WAIT = 'Waiting for Mnesia tables for 30000 ms, 9 retries left';
const quiet: Logger = { info() {}, warn() {}, child: () => quiet };

/**
 * `--platform kind --dry-run`: every method of the scenario, run against the fake Kubernetes API and the recording
 * kind/kubectl/helm/docker runner the contract tests use, with no cluster and no Docker. Prints, in the order
 * they were issued, every write to the API (with its body as YAML) and every command line (with its stdin), with
 * the run's generated secrets replaced by [REDACTED]. Reads (GET) are left out.
 *
 * The simulation: before the fault every pod is ready; after it, a pod the StatefulSet creates is ready only once
 * the method acted and only if the method's expectation on `release` is to recover (a stuck Mnesia pod logs the
 * table wait). AMQP traffic (seeding messages, the put/get checks) is not Kubernetes: it is named, not simulated,
 * and no AMQP connection is opened (the cluster's endpoints are marked simulated; host ports are the NodePorts).
 * Throws only for a broken simulation; a method that cannot be simulated prints why and the next one goes on.
 */
export async function kindDryRun(options: KindDryRunOptions): Promise<void> {
  const { scenario, release, write } = options;
  const installer = options.kind.installer ?? 'manifests';
  write(`# warren dry run: ${scenario.name} on kind (${installer} installer, ${options.nodes} nodes, ${options.startPolicy}), judged as ${releaseKey(release)}`);
  write('# Nothing ran: every call below went to a simulated Kubernetes API and recorded kind/kubectl/helm/docker commands.');
  write('# Reads (GET) are left out; secrets generated for the run are shown as [REDACTED]. AMQP is named, not simulated.');
  write('# Host ports are shown as the NodePorts themselves; a real run maps each to a free 127.0.0.1 port.');
  // One simulated kind cluster for the whole run, a namespace per method: as a real run does.
  const redactor = new Redactor();
  const print = (text: string) => write(redactor.redact(text));
  const state: SimulationState = { phase: 'before-fault', recovers: false };
  const cluster = 'warren-dryrun';
  const api = await FakeKubeApi.start({
    cluster,
    nodes: Array.from({ length: options.nodes }, (_, i) => `${cluster}-worker${i === 0 ? '' : i + 1}`),
    readiness: () => state.phase === 'before-fault' || (state.phase === 'method-acted' && state.recovers),
    onRequest: (request) => printRequest(request, print),
  });
  const runner = new RecordingRunner({ api, onCommand: (call) => printCommand(call, print) });
  if (installer === 'helm') runner.helm = new FakeBitnamiChart(api).handle;
  const platform = new KindPlatform({ redactor, runId: 'dryrun', run: runner.run, ...(options.kindConfigPath === undefined ? {} : { kindConfigPath: options.kindConfigPath }), pollIntervalMs: 20, readyTimeoutMs: 20_000, simulated: true, ...options.kind });
  // A stuck Mnesia pod logs the table wait again on every retry (methods act on a wait logged after they started).
  const retries = setInterval(() => {
    if (release.metadataStore !== 'mnesia' || state.phase === 'before-fault') return;
    for (const pod of api.list('pods')) {
      if (!pod.status.containerStatuses.every((status: { ready: boolean }) => status.ready)) api.appendPodLog(pod.metadata.namespace, pod.metadata.name, `2026-01-01 00:00:00.000000+00:00 [info] <0.230.0> ${TABLE_WAIT}`);
    }
  }, 200);
  const stopped: string[] = [];
  try {
    for (const name of options.methods) {
      const method = scenario.methods.find((candidate) => candidate.recovery.name === name)!;
      const expected = expectationOn(method.expected, releaseKey(release), options.startPolicy);
      write('');
      write(`## method ${name}: ${method.recovery.mechanism('kind')}`);
      write(`# expected on ${releaseKey(release)} under ${options.startPolicy}: ${expected?.outcome ?? 'no expectation'}`);
      Object.assign(state, { phase: 'before-fault', recovers: expected?.outcome === 'recovered' });
      await dryRunMethod({ options, api, platform, redactor, print, state }, name).catch((error: unknown) => {
        stopped.push(name);
        print(`# (the simulation stopped here: ${errorMessage(error)})`);
      });
    }
    write('');
    print('# the run ends: the kind cluster goes');
    await platform.close();
  } finally {
    clearInterval(retries);
    await api.close();
  }
  write(`# ${options.methods.length - stopped.length} of ${options.methods.length} methods simulated to the end${stopped.length > 0 ? `; stopped early (not simulated further): ${stopped.join(', ')}` : ''}`);
}

interface SimulationState {
  phase: 'before-fault' | 'after-fault' | 'method-acted';
  /** Whether the method's expectation is to recover: pods created after it acted come up ready. */
  recovers: boolean;
}

interface Simulation {
  options: KindDryRunOptions;
  api: FakeKubeApi;
  platform: KindPlatform;
  redactor: Redactor;
  print: (text: string) => void;
  state: SimulationState;
}

/** The bound a real drill gives a method too (its recovery deadline), here in simulated seconds. */
const METHOD_BOUND_MS = 20_000;

async function dryRunMethod(simulation: Simulation, name: string): Promise<void> {
  const { options, api, platform, redactor, print, state } = simulation;
  const { scenario, release } = options;
  const controller = new AbortController();
  const credentials = options.credentials ?? generateCredentials();
  redactor.add(credentials);
  const runId = `dryrun-${name}`;
  const namespace = `warren-${runId}`;
  const cluster = await platform.provision(
    { runId, nodes: options.nodes, startPolicy: options.startPolicy, credentials, tableWait: { retryTimeoutMs: 30_000, retryLimit: 10 }, rabbitmq: release },
    { signal: controller.signal, log: quiet, keep: false },
  );
  try {
    const started = Date.now();
    const context: DrillContext = {
      runId,
      cluster,
      log: quiet,
      signal: controller.signal,
      elapsedMs: () => Date.now() - started,
      mark: (event) => print(`# - ${event}`),
      addEvidence: () => undefined,
      keepSecret: (secret) => redactor.add(secret),
      timeline: [],
      recoveryDeadline: Date.now() + METHOD_BOUND_MS,
      provisionBeside: () => Promise.reject(new Error('a second cluster beside this one is not simulated on kind')),
      switchTo: () => Promise.reject(new Error('a second cluster beside this one is not simulated on kind')),
    };
    const method = scenario.methods.find((candidate) => candidate.recovery.name === name)!;
    print(`# AMQP (not Kubernetes): declare the drill's queues and publish the ledger's messages through every pod's NodePort`);
    await method.recovery.prepare?.(context);
    print(`# fault ${scenario.fault.name}: ${scenario.fault.description}`);
    state.phase = 'after-fault';
    await scenario.fault.inject(context);
    // A drill's method comes once the StatefulSet is back at its size and its first pod exists (or never will).
    await settle(() => api.get('statefulsets', namespace, 'rabbitmq')?.spec.replicas === options.nodes && api.list('pods', namespace).length > 0, 5_000);
    print(`# method ${name} acts`);
    state.phase = 'method-acted';
    const acted = await Promise.race([method.recovery.apply(context).then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), METHOD_BOUND_MS).unref())]);
    if (!acted) print(`# (the method was still acting at the simulated ${METHOD_BOUND_MS / 1000} s bound: a real drill's deadline ends it there)`);
    if (state.recovers) {
      // Pods the method left in place recover too (the expectation says the cluster comes back).
      for (const pod of api.list('pods', namespace)) api.setPodReady(namespace, pod.metadata.name, true);
      await settle(() => cluster.status().every((pod) => pod.phase === 'ready'), 10_000);
    }
    print(`# AMQP (not Kubernetes): put/get through every pod, then the ledger counts every message`);
    if (acted) await method.recovery.finish?.(context);
  } finally {
    print('# teardown');
    await cluster.teardown({ keep: false });
    controller.abort();
  }
}

/** Waits until `done` or `timeoutMs`, whichever comes first (the simulation has no verdict to give). */
async function settle(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function printRequest(request: RecordedRequest, print: (text: string) => void): void {
  if (request.method === 'GET') return;
  const query = new URLSearchParams(request.query).toString();
  const refused = request.status >= 400 ? `  # refused (${request.status})` : '';
  print(`${request.method} ${request.path}${query ? `?${decodeURIComponent(query)}` : ''}${refused}`);
  if (request.body !== undefined && request.status < 400) print(indent(typeof request.body === 'string' ? request.body : stringify(request.body)));
}

/** A temporary file's path without its random part, so two dry runs print the same text. */
function stablePath(word: string): string {
  return word.replace(/^.*\/(warren-kind-[a-z-]*?)-?[A-Za-z0-9]{6}\//, '$TMPDIR/$1-XXXXXX/');
}

function printCommand(call: RecordedCommand, print: (text: string) => void): void {
  print(`$ ${[call.file, ...call.args].map((word) => shellWord(stablePath(word))).join(' ')}`);
  if (call.input !== undefined) print(indent(`# stdin:\n${call.input}`));
  // The rendered kind config is a temporary file (deleted once the cluster exists): shown here, as it was.
  const config = call.file === 'kind' && call.args[0] === 'create' ? call.args[call.args.indexOf('--config') + 1] : undefined;
  if (config !== undefined && existsSync(config)) print(indent(`# ${stablePath(config)}:\n${readFileSync(config, 'utf8')}`));
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((line) => `    ${line}`).join('\n');
}

/** A word as a shell would need it quoted, so a printed command line can be pasted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

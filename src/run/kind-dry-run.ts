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
 * table wait). AMQP traffic (seeding messages, the put/get checks) is not Kubernetes: it is named, not simulated.
 * Throws only for a broken simulation; a method that cannot be simulated prints why and the next one goes on.
 */
export async function kindDryRun(options: KindDryRunOptions): Promise<void> {
  const { scenario, release, write } = options;
  const installer = options.kind.installer ?? 'manifests';
  write(`# warren dry run: ${scenario.name} on kind (${installer} installer, ${options.nodes} nodes, ${options.startPolicy}), judged as ${releaseKey(release)}`);
  write('# Nothing ran: every call below went to a simulated Kubernetes API and recorded kind/kubectl/helm/docker commands.');
  write('# Reads (GET) are left out; secrets generated for the run are shown as [REDACTED].');
  for (const name of options.methods) {
    const method = scenario.methods.find((candidate) => candidate.recovery.name === name)!;
    const expected = expectationOn(method.expected, releaseKey(release), options.startPolicy);
    write('');
    write(`## method ${name}: ${method.recovery.mechanism?.('kind') ?? method.recovery.description}`);
    write(`# expected on ${releaseKey(release)}: ${expected?.outcome ?? 'no expectation'}`);
    await dryRunMethod(options, name, expected?.outcome === 'recovered').catch((error: unknown) => write(`# (the simulation stopped here: ${errorMessage(error)})`));
  }
}

async function dryRunMethod(options: KindDryRunOptions, name: string, recovers: boolean): Promise<void> {
  const { scenario, release, write } = options;
  const redactor = new Redactor();
  const state = { phase: 'before-fault' as 'before-fault' | 'after-fault' | 'method-acted' };
  let api: FakeKubeApi | undefined;
  const readiness = (): boolean => state.phase === 'before-fault' || (state.phase === 'method-acted' && recovers);
  // A stuck Mnesia pod logs the table wait again on every retry (methods act on a wait logged after they started).
  const retries = setInterval(() => {
    if (release.metadataStore !== 'mnesia' || state.phase === 'before-fault') return;
    for (const pod of api!.list('pods')) {
      if (!pod.status.containerStatuses.every((status: { ready: boolean }) => status.ready)) api!.appendPodLog(pod.metadata.namespace, pod.metadata.name, `2026-01-01 00:00:00.000000+00:00 [info] <0.230.0> ${TABLE_WAIT}`);
    }
  }, 200);
  const print = (text: string) => write(redactor.redact(text));
  api = await FakeKubeApi.start({ readiness, onRequest: (request) => printRequest(request, print) });
  const runner = new RecordingRunner({ api, onCommand: (call) => printCommand(call, print) });
  if (options.kind.installer === 'helm') runner.helm = new FakeBitnamiChart(api).handle;
  const controller = new AbortController();
  const platform = new KindPlatform({ redactor, runId: 'dryrun', run: runner.run, ...(options.kindConfigPath === undefined ? {} : { kindConfigPath: options.kindConfigPath }), pollIntervalMs: 20, readyTimeoutMs: 20_000, ...options.kind });
  const credentials = options.credentials ?? generateCredentials();
  redactor.add(credentials);
  const runId = `dryrun-${name}`;
  try {
    const cluster = await platform.provision(
      { runId, nodes: options.nodes, startPolicy: options.startPolicy, credentials, tableWait: { retryTimeoutMs: 30_000, retryLimit: 10 }, rabbitmq: release },
      { signal: controller.signal, log: quiet, keep: false },
    );
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
      recoveryDeadline: Date.now() + 20_000,
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
    await settle(() => api!.get('statefulsets', `warren-${runId}`, 'rabbitmq')?.spec.replicas === options.nodes && api!.list('pods', `warren-${runId}`).length > 0, 5_000);
    print(`# method ${name} acts`);
    state.phase = 'method-acted';
    await method.recovery.apply(context);
    if (recovers) await settle(() => cluster.status().every((pod) => pod.phase === 'ready'), 20_000);
    print(`# AMQP (not Kubernetes): put/get through every pod, then the ledger counts every message`);
    await method.recovery.finish?.(context);
    print('# teardown');
    await cluster.teardown({ keep: false });
    await platform.close();
  } finally {
    clearInterval(retries);
    controller.abort();
    await api.close();
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
  const refused = request.status >= 400 ? `  # refused ${request.status}, retried` : '';
  print(`${request.method} ${request.path}${query ? `?${decodeURIComponent(query)}` : ''}${refused}`);
  if (request.body !== undefined && request.status < 400) print(indent(typeof request.body === 'string' ? request.body : stringify(request.body)));
}

function printCommand(call: RecordedCommand, print: (text: string) => void): void {
  print(`$ ${[call.file, ...call.args].map(shellWord).join(' ')}`);
  if (call.input !== undefined) print(indent(`# stdin:\n${call.input}`));
  // The rendered kind config is a temporary file (deleted once the cluster exists): shown here, as it was.
  const config = call.file === 'kind' && call.args[0] === 'create' ? call.args[call.args.indexOf('--config') + 1] : undefined;
  if (config !== undefined && existsSync(config)) print(indent(`# ${config}:\n${readFileSync(config, 'utf8')}`));
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((line) => `    ${line}`).join('\n');
}

/** A word as a shell would need it quoted, so a printed command line can be pasted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

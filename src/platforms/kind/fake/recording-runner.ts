import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { CommandOptions, CommandResult, CommandRunner } from '../command-runner.js';
import { KILL_SCRIPT } from '../node-containers.js';
import type { FakeKubeApi } from './fake-kube-api.js';

/**
 * A CommandRunner for contract tests: records every command line (and its stdin) and answers kind, docker, sh,
 * kubectl exec and helm as the real tools would for a kind cluster whose API server is a FakeKubeApi.
 */

export interface RecordedCommand {
  file: string;
  args: string[];
  input?: string;
}

/** One `kubectl --context C --namespace N exec [-i] POD -c CONTAINER -- COMMAND…`. */
export interface ExecCall {
  context: string;
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  input?: string;
}

/** One helm invocation: the subcommand, its flags, and the values YAML it read from stdin (`-f -`). */
export interface HelmCall {
  subcommand: string;
  release: string;
  chart?: string;
  namespace?: string;
  kubeContext?: string;
  args: string[];
  values?: Record<string, unknown>;
}

export interface RecordingRunnerOptions {
  api: FakeKubeApi;
  /** What `kind get clusters` lists (kind create/delete cluster change it). */
  clusters?: string[];
  /** Tools `sh -c 'command -v X'` does not find. */
  missingTools?: string[];
  dockerInfoFails?: boolean;
  /** `docker port <cluster>-control-plane` output (a reused cluster's mapped ports). */
  dockerPort?: string;
  /** Images `docker image inspect` finds in the local engine (every other one: "No such image"). */
  localImages?: string[];
  /**
   * How `docker save --platform` answers: 'supported' (Docker ≥ 28, the default), 'unknown-flag' (an older CLI) or
   * 'old-daemon' (a Docker 28 CLI against an older daemon). A plain `docker save -o FILE` always works.
   */
  dockerSavePlatform?: 'supported' | 'unknown-flag' | 'old-daemon';
  /** `kind load image-archive` fails (a node's containerd refused the import). */
  kindLoadFails?: boolean;
  /** Scripted answers to `kubectl exec` (undefined: the default answer). */
  exec?: (call: ExecCall) => CommandResult | undefined;
  /** Scripted helm (a fake chart); undefined answers exit 0 with no output. */
  helm?: (call: HelmCall) => CommandResult | undefined;
  /** Shared with a FakeKubeApi: every command line, interleaved with API requests. */
  journal?: string[];
  /** Called with every command as it is run (a dry run prints it). */
  onCommand?: (call: RecordedCommand) => void;
  /** What `docker start` of the nodes brings (default: the API and nodes back at once). */
  restart?: { apiDownMs: number; notReadyMs: number };
}

const OK: CommandResult = { exitCode: 0, stdout: '', stderr: '' };
/** `rabbitmqctl export_definitions -` of a fresh broker (RabbitMQ's definitions format). */
const EMPTY_DEFINITIONS = { rabbit_version: '3.13.7', users: [], vhosts: [{ name: '/' }], permissions: [], policies: [], queues: [], exchanges: [], bindings: [] };

export class RecordingRunner {
  readonly calls: RecordedCommand[] = [];
  /** The kind config file's content at `kind create cluster` time (warren deletes it afterwards). */
  readonly kindConfigs: string[] = [];
  /** Each archive `kind load image-archive` was given, and whether the file was there when kind read it. */
  readonly loadedArchives: { path: string; existed: boolean }[] = [];
  readonly clusters: string[];
  readonly #options: RecordingRunnerOptions;

  constructor(options: RecordingRunnerOptions) {
    this.#options = options;
    this.clusters = [...(options.clusters ?? [])];
  }

  set exec(handler: RecordingRunnerOptions['exec']) {
    this.#options.exec = handler;
  }

  set helm(handler: RecordingRunnerOptions['helm']) {
    this.#options.helm = handler;
  }

  readonly run: CommandRunner = async (file: string, args: readonly string[], options: CommandOptions = {}) => {
    const call = { file, args: [...args], ...(options.input === undefined ? {} : { input: options.input }) };
    this.calls.push(call);
    this.#options.onCommand?.(call);
    this.#options.journal?.push(`$ ${[file, ...args].join(' ')}`);
    return this.#answer(file, [...args], options);
  };

  /** Every command line as one string, for "never in a command line" checks. */
  commandLines(): string[] {
    return this.calls.map((call) => [call.file, ...call.args].join(' '));
  }

  execCalls(): ExecCall[] {
    return this.calls.filter((call) => call.file === 'kubectl').map((call) => parseExec(call.args, call.input)).filter((call): call is ExecCall => call !== undefined);
  }

  helmCalls(): HelmCall[] {
    return this.calls.filter((call) => call.file === 'helm').map((call) => parseHelm(call.args, call.input));
  }

  #answer(file: string, args: string[], options: CommandOptions): CommandResult {
    switch (file) {
      case 'sh':
        return this.#shell(args);
      case 'docker':
        return this.#docker(args);
      case 'kind':
        return this.#kind(args);
      case 'kubectl':
        return this.#kubectl(args, options.input);
      case 'helm': {
        const call = parseHelm(args, options.input);
        return this.#options.helm?.(call) ?? OK;
      }
    }
    return { exitCode: 127, stdout: '', stderr: `${file}: command not found` };
  }

  #shell(args: string[]): CommandResult {
    const match = args[0] === '-c' ? /^command -v (\S+)$/.exec(args[1] ?? '') : null;
    if (!match) return { exitCode: 127, stdout: '', stderr: `unexpected sh ${args.join(' ')}` };
    const tool = match[1]!;
    return (this.#options.missingTools ?? []).includes(tool) ? { exitCode: 1, stdout: '', stderr: '' } : { exitCode: 0, stdout: `/usr/local/bin/${tool}\n`, stderr: '' };
  }

  #docker(args: string[]): CommandResult {
    if (args[0] === 'info') return this.#options.dockerInfoFails ? { exitCode: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' } : { exitCode: 0, stdout: '27.3.1\n', stderr: '' };
    if (args[0] === 'image' && args[1] === 'inspect') {
      if ((this.#options.localImages ?? []).includes(args[2]!)) return { exitCode: 0, stdout: `[{"RepoTags":["${args[2]}"]}]`, stderr: '' };
      return { exitCode: 1, stdout: '[]', stderr: `Error response from daemon: No such image: ${args[2]}` };
    }
    if (args[0] === 'save') return this.#dockerSave(args);
    if (args[0] === 'port') return { exitCode: 0, stdout: this.#options.dockerPort ?? '', stderr: '' };
    if (args[0] === 'stop') {
      this.#options.api.stopNodes();
      return OK;
    }
    if (args[0] === 'start') {
      this.#options.api.startNodes(this.#options.restart ?? { apiDownMs: 0, notReadyMs: 0 });
      return OK;
    }
    if (args[0] === 'exec') return this.#onNode(args.slice(1));
    return { exitCode: 127, stdout: '', stderr: `unexpected docker ${args.join(' ')}` };
  }

  /** `docker exec <node> sh -c <script> sh <namespace> <pod> <container>`: warren's scripts on a kind node. */
  #onNode(args: string[]): CommandResult {
    const [node, sh, dashC, script, , namespace, pod] = args;
    if (sh !== 'sh' || dashC !== '-c' || node === undefined || namespace === undefined || pod === undefined) return { exitCode: 127, stdout: '', stderr: `unexpected docker exec ${args.join(' ')}` };
    if (script === KILL_SCRIPT) return { exitCode: this.#options.api.killContainers(node, namespace, pod) > 0 ? 0 : 1, stdout: '', stderr: '' };
    return { exitCode: 127, stdout: '', stderr: `unexpected script on ${node}: ${script}` };
  }

  /** `docker save [--platform P] -o FILE IMAGE`: writes FILE, as docker does, for a local image. */
  #dockerSave(args: string[]): CommandResult {
    const platform = flag(args, '--platform');
    const support = this.#options.dockerSavePlatform ?? 'supported';
    if (platform !== undefined && support === 'unknown-flag') return { exitCode: 125, stdout: '', stderr: "unknown flag: --platform\nSee 'docker save --help'." };
    if (platform !== undefined && support === 'old-daemon') return { exitCode: 1, stdout: '', stderr: '"--platform" requires API version 1.48, but the Docker daemon API version is 1.47' };
    const output = flag(args, '-o');
    const image = args.at(-1)!;
    if (output === undefined) return { exitCode: 127, stdout: '', stderr: `unexpected docker ${args.join(' ')}` };
    if (!(this.#options.localImages ?? []).includes(image)) return { exitCode: 1, stdout: '', stderr: `Error response from daemon: reference does not exist` };
    writeFileSync(output, `archive of ${image} for ${platform ?? 'every platform'}`);
    return OK;
  }

  #kind(args: string[]): CommandResult {
    const name = flag(args, '--name') ?? 'kind';
    const command = args.slice(0, 2).join(' ');
    switch (command) {
      case 'get clusters':
        return this.clusters.length === 0 ? { exitCode: 0, stdout: '', stderr: 'No kind clusters found.\n' } : { exitCode: 0, stdout: `${this.clusters.join('\n')}\n`, stderr: '' };
      case 'create cluster': {
        if (this.clusters.includes(name)) return { exitCode: 1, stdout: '', stderr: `ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"` };
        const config = flag(args, '--config');
        this.kindConfigs.push(config ? readFileSync(config, 'utf8') : '');
        this.clusters.push(name);
        return OK;
      }
      case 'delete cluster': {
        const index = this.clusters.indexOf(name);
        if (index >= 0) this.clusters.splice(index, 1);
        return OK;
      }
      case 'get nodes':
        return { exitCode: 0, stdout: this.#options.api.list('nodes').map((node) => String(node.metadata.name).replace(/^.*?-(control-plane|worker\d*)$/, `${name}-$1`)).join('\n') + '\n', stderr: '' };
      case 'get kubeconfig':
        if (!this.clusters.includes(name)) return { exitCode: 1, stdout: '', stderr: `ERROR: could not locate any control plane nodes for cluster named '${name}'` };
        return { exitCode: 0, stdout: this.#options.api.kubeConfig(`kind-${name}`).exportConfig(), stderr: '' };
      case 'export logs':
      case 'load docker-image':
        return OK;
      case 'load image-archive': {
        const path = args[2]!;
        const existed = existsSync(path);
        this.loadedArchives.push({ path, existed });
        if (!existed) return { exitCode: 1, stdout: '', stderr: `ERROR: failed to load image: open ${path}: no such file or directory` };
        if (this.#options.kindLoadFails) return { exitCode: 1, stdout: '', stderr: 'ERROR: failed to load image: command "docker exec --privileged -i warren-test-worker ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1' };
        return OK;
      }
    }
    return { exitCode: 127, stdout: '', stderr: `unexpected kind ${args.join(' ')}` };
  }

  #kubectl(args: string[], input: string | undefined): CommandResult {
    const call = parseExec(args, input);
    if (!call) return { exitCode: 1, stdout: '', stderr: `unexpected kubectl ${args.join(' ')}` };
    // kubectl exec into a pod that is not there fails, as it does against a real API server.
    if (!this.#options.api.hasPod(call.namespace, call.pod)) return { exitCode: 1, stdout: '', stderr: `Error from server (NotFound): pods "${call.pod}" not found` };
    const scripted = this.#options.exec?.(call);
    if (scripted) return scripted;
    const [tool] = call.command;
    if (tool === 'rabbitmqctl' && call.command.includes('stop_app')) {
      // The app stops, the Erlang VM (the container) keeps running: the readiness probe fails.
      this.#options.api.setPodReady(call.namespace, call.pod, false);
      return { exitCode: 0, stdout: `Stopping rabbit application on node ${call.command[3] ?? ''} ...\n`, stderr: '' };
    }
    if (tool === 'test' && call.command[1] === '-e') return { exitCode: 1, stdout: '', stderr: '' };
    // An empty broker's answers, in the CLI's JSON: what a method parses when nothing scripted another answer.
    if (tool === 'rabbitmqctl' && call.command.includes('export_definitions')) return { exitCode: 0, stdout: JSON.stringify(EMPTY_DEFINITIONS), stderr: '' };
    if (tool === 'rabbitmqctl' && call.command.includes('list_queues')) return { exitCode: 0, stdout: '[]\n', stderr: '' };
    return OK;
  }
}

function flag(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export function parseExec(args: readonly string[], input?: string): ExecCall | undefined {
  const context = flag(args, '--context');
  const namespace = flag(args, '--namespace');
  const execAt = args.indexOf('exec');
  const separator = args.indexOf('--');
  if (context === undefined || namespace === undefined || execAt < 0 || separator < 0) return undefined;
  const between = args.slice(execAt + 1, separator);
  const stdin = between.includes('-i');
  const rest = between.filter((arg) => arg !== '-i');
  const containerAt = rest.indexOf('-c');
  const container = containerAt >= 0 ? rest[containerAt + 1] : undefined;
  const pod = rest.find((_, index) => index !== containerAt && index !== containerAt + 1);
  if (pod === undefined || container === undefined) return undefined;
  return { context, namespace, pod, container, command: args.slice(separator + 1), stdin, ...(input === undefined ? {} : { input }) };
}

export function parseHelm(args: readonly string[], input?: string): HelmCall {
  const getManifest = args[0] === 'get' && args[1] === 'manifest';
  const subcommand = getManifest ? 'get manifest' : args[0] ?? '';
  const positional = getManifest ? args.slice(2) : args.slice(1);
  const release = positional[0] ?? '';
  const chart = subcommand === 'install' || subcommand === 'upgrade' ? positional[1] : undefined;
  const namespace = flag(args, '--namespace');
  const kubeContext = flag(args, '--kube-context');
  const values = input !== undefined && flag(args, '-f') === '-' ? (parse(input) as Record<string, unknown>) : undefined;
  return {
    subcommand,
    release,
    args: [...args],
    ...(chart === undefined ? {} : { chart }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(kubeContext === undefined ? {} : { kubeContext }),
    ...(values === undefined ? {} : { values }),
  };
}

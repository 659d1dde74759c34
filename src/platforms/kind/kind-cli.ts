import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../../common/errors.js';
import { firstLine } from '../../common/text.js';
import type { CommandRunner } from './command-runner.js';

/** A Docker platform, `os/arch` as `docker save --platform` takes it: kind's nodes are Linux on the host's CPU. */
export type DockerPlatform = 'linux/amd64' | 'linux/arm64';

/**
 * The Docker platform of kind's nodes from Node's `process.arch` (x64 → linux/amd64, arm64 → linux/arm64): kind
 * publishes node images for those two only (kind release notes), and its nodes run on the Docker host's CPU.
 * @throws EnvironmentError for any other architecture.
 */
export function dockerPlatformFor(arch: string): DockerPlatform {
  if (arch === 'x64') return 'linux/amd64';
  if (arch === 'arm64') return 'linux/arm64';
  throw new EnvironmentError(`kind platform: no kind node image for CPU architecture ${arch} (kind publishes amd64 and arm64)`);
}

/**
 * `docker save --platform` is new in Docker 28 (docker/cli docs, `image save`): an older CLI answers
 * `unknown flag: --platform` (cobra), a newer CLI against an older daemon `"--platform" requires API version …, but
 * the Docker daemon API version is …` (docker/cli `cli/cobra.go`, isFlagSupported).
 */
const PLATFORM_FLAG_UNSUPPORTED = /unknown flag: --platform|"--platform" requires API version/;

/** The kind CLI (execa): clusters are named after the run, so warren only ever deletes what it created. */
export class KindCli {
  constructor(private readonly run: CommandRunner) {}

  async createCluster(options: { name: string; configPath: string; nodeImage?: string; waitSeconds?: number; signal?: AbortSignal }): Promise<void> {
    const args = ['create', 'cluster', '--name', options.name, '--config', options.configPath, '--wait', `${options.waitSeconds ?? 300}s`];
    if (options.nodeImage) args.push('--image', options.nodeImage);
    await this.#must(args, 'create the kind cluster', { timeoutMs: 900_000, ...(options.signal ? { signal: options.signal } : {}) });
  }

  async deleteCluster(name: string): Promise<void> {
    await this.#must(['delete', 'cluster', '--name', name], `delete kind cluster ${name}`);
  }

  async clusters(): Promise<string[]> {
    const result = await this.run('kind', ['get', 'clusters']);
    if (result.exitCode !== 0) throw new EnvironmentError(`kind get clusters failed: ${firstLine(result.stderr)}`);
    return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('No kind clusters'));
  }

  /**
   * Makes an image of the local Docker engine available on every node (no registry needed): `docker save
   * --platform <platform> -o <tmp>/image.tar <image>`, then `kind load image-archive <tmp>/image.tar --name <cluster>`;
   * the archive's directory is removed afterwards, also when either step fails. Not `kind load docker-image`: on
   * Docker's containerd image store it saves every platform of a multi-arch image, whose blobs are not all local,
   * and the import into the nodes fails (kind#3795, kind#4066). A Docker without `save --platform` (before 28)
   * saves the image as it is (plain `docker save`).
   * @throws EnvironmentError naming the step (docker save or kind load) and the tool's first line of output.
   */
  async loadImage(image: string, cluster: string, options: { platform: DockerPlatform; signal?: AbortSignal }): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'warren-kind-image-'));
    const archive = join(dir, 'image.tar');
    const bounds = { timeoutMs: 600_000, ...(options.signal ? { signal: options.signal } : {}) };
    try {
      let saved = await this.run('docker', ['save', '--platform', options.platform, '-o', archive, image], bounds);
      if (saved.exitCode !== 0 && PLATFORM_FLAG_UNSUPPORTED.test(saved.stderr)) saved = await this.run('docker', ['save', '-o', archive, image], bounds);
      if (saved.exitCode !== 0) throw new EnvironmentError(`docker: could not save image ${image} (${options.platform}): ${firstLine(saved.stderr || saved.stdout)}`);
      await this.#must(['load', 'image-archive', archive, '--name', cluster], `load image ${image} into ${cluster}`, bounds);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** On failure: every node's logs (kubelet, containerd, pods) for the report. */
  async exportLogs(cluster: string, dir: string): Promise<void> {
    await this.#must(['export', 'logs', dir, '--name', cluster], `export logs of ${cluster}`, { timeoutMs: 300_000 });
  }

  async kubeconfig(cluster: string): Promise<string> {
    const result = await this.#must(['get', 'kubeconfig', '--name', cluster], `read the kubeconfig of ${cluster}`);
    return result.stdout;
  }

  /** The Docker containers that are this cluster's nodes (docker stop/start them to restart Kubernetes). */
  async nodes(cluster: string): Promise<string[]> {
    const result = await this.#must(['get', 'nodes', '--name', cluster], `list the nodes of ${cluster}`);
    return result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  }

  async #must(args: string[], what: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
    const result = await this.run('kind', args, options);
    if (result.exitCode !== 0) throw new EnvironmentError(`kind: could not ${what}: ${firstLine(result.stderr || result.stdout)}`);
    return result;
  }
}

import { EnvironmentError } from '../../common/errors.js';
import { firstLine } from '../../common/text.js';
import type { CommandRunner } from './command-runner.js';

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

  /** Makes a locally built image available on every node (no registry needed). */
  async loadImage(image: string, cluster: string): Promise<void> {
    await this.#must(['load', 'docker-image', image, '--name', cluster], `load image ${image} into ${cluster}`, { timeoutMs: 600_000 });
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

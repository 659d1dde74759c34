import { stringify } from 'yaml';
import { EnvironmentError } from '../../common/errors.js';
import type { CommandRunner } from './command-runner.js';
import { firstLine } from '../../common/text.js';

/** The Bitnami chart, as the field notes installed it (`helm install … --set …`). */
export const BITNAMI_CHART = 'oci://registry-1.docker.io/bitnamicharts/rabbitmq';

/** Chart values, nested as in values.yaml. */
export type HelmValues = { [key: string]: string | number | boolean | string[] | HelmValues };

/**
 * The helm CLI. Values go in as YAML on stdin (`-f -`): the cookie and password never appear in a command line
 * (`ps` shows those) or in a file. `--kube-context` is always explicit: helm never falls back to the current one.
 */
export class HelmCli {
  constructor(
    private readonly run: CommandRunner,
    private readonly kubeContext: string,
  ) {}

  async install(release: string, options: { namespace: string; chart?: string; version?: string; values: HelmValues }): Promise<void> {
    await this.#must(['install', release, options.chart ?? BITNAMI_CHART, ...this.#common(options.namespace, options.version), '-f', '-'], `install ${release}`, options.values);
  }

  /** `--reuse-values` unless told otherwise: the field notes' upgrades that forgot a value are the fault, not the default. */
  async upgrade(release: string, options: { namespace: string; chart?: string; version?: string; values: HelmValues; reuseValues: boolean }): Promise<void> {
    const reuse = options.reuseValues ? ['--reuse-values'] : ['--reset-values'];
    await this.#must(['upgrade', release, options.chart ?? BITNAMI_CHART, ...this.#common(options.namespace, options.version), ...reuse, '-f', '-'], `upgrade ${release}`, options.values);
  }

  async uninstall(release: string, namespace: string): Promise<void> {
    await this.#must(['uninstall', release, '--namespace', namespace, '--kube-context', this.kubeContext, '--wait'], `uninstall ${release}`);
  }

  /** What the chart rendered for the release (to check it, instead of trusting helm's exit code). */
  async manifest(release: string, namespace: string): Promise<string> {
    return (await this.#must(['get', 'manifest', release, '--namespace', namespace, '--kube-context', this.kubeContext], `read the manifest of ${release}`)).stdout;
  }

  #common(namespace: string, version?: string): string[] {
    return ['--namespace', namespace, '--kube-context', this.kubeContext, ...(version ? ['--version', version] : [])];
  }

  async #must(args: string[], what: string, values?: HelmValues) {
    const result = await this.run('helm', args, { timeoutMs: 600_000, ...(values ? { input: stringify(values) } : {}) });
    if (result.exitCode !== 0) throw new EnvironmentError(`helm: could not ${what}: ${firstLine(result.stderr || result.stdout)}`);
    return result;
  }
}

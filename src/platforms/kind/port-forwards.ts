import { execa, type ResultPromise } from 'execa';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

/**
 * `kubectl port-forward pod/<pod> <local>:5672` per pod, for a cluster warren did not create (no NodePorts mapped
 * to the host there). A forward dies with its pod, and drills restart pods all the time, so each one is restarted
 * after a second for as long as the run lasts. Bound to 127.0.0.1 only.
 */
export class PortForwards {
  readonly #children = new Map<number, ResultPromise>();
  #stopped = false;

  constructor(
    private readonly options: { context: string; namespace: string; podName: (ordinal: number) => string; log: Logger },
  ) {}

  /** Starts a forward per ordinal to the given local ports; returns at once. */
  start(localPorts: readonly number[]): void {
    localPorts.forEach((port, ordinal) => void this.#keep(ordinal, port));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const child of this.#children.values()) child.kill('SIGTERM');
    await Promise.allSettled([...this.#children.values()]);
    this.#children.clear();
  }

  async #keep(ordinal: number, port: number): Promise<void> {
    const { context, namespace, podName, log } = this.options;
    while (!this.#stopped) {
      const child = execa('kubectl', ['--context', context, '--namespace', namespace, 'port-forward', '--address', '127.0.0.1', `pod/${podName(ordinal)}`, `${port}:5672`], {
        reject: false,
        stdin: 'ignore',
        cleanup: true,
      });
      this.#children.set(ordinal, child);
      const result = await child;
      if (this.#stopped) return;
      log.info(`port-forward to ${podName(ordinal)} ended (${errorMessage(String(result.stderr).trim() || `exit ${result.exitCode}`)}); restarting`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

import type { CommandResult, CommandRunner } from './command-runner.js';

/**
 * `kubectl exec` for in-pod commands (rabbitmqctl, touching force_load), always with an explicit context and
 * namespace: never whatever context happens to be current.
 */
export class Kubectl {
  constructor(
    private readonly run: CommandRunner,
    readonly context: string,
    readonly namespace: string,
  ) {}

  exec(pod: string, container: string, command: readonly string[], options: { input?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CommandResult> {
    const stdin = options.input === undefined ? [] : ['-i'];
    return this.run('kubectl', ['--context', this.context, '--namespace', this.namespace, 'exec', ...stdin, pod, '-c', container, '--', ...command], {
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

import { execa } from 'execa';
import { exitGuard, signalGroup } from './exit-guard.js';

export interface ExitInfo {
  exitCode: number | undefined;
  signal: string | undefined;
}

/**
 * A long-lived child in its own process group, like a container: the server script, erl, beam.smp and
 * erl_child_setup all go when the group is killed. execa's own cleanup skips detached children, so the
 * exit guard kills the group if warren exits without tearing down (a crash, a second Ctrl-C).
 */
export class ProcessGroup {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  #running = true;

  private constructor(child: PromiseLike<{ exitCode?: number; signal?: string }> & { pid?: number | undefined }) {
    if (child.pid === undefined) throw new Error('spawn returned no pid');
    this.pid = child.pid;
    exitGuard.watchGroup(this.pid);
    this.exited = Promise.resolve(child).then(
      (result) => this.#onExit({ exitCode: result.exitCode, signal: result.signal }),
      (error: { exitCode?: number; signal?: string }) => this.#onExit({ exitCode: error.exitCode, signal: error.signal }),
    );
  }

  /** Starts `file` with stdout and stderr appended to `outputFile`. */
  static spawn(file: string, args: string[], env: Record<string, string>, outputFile: string, cwd: string): ProcessGroup {
    const child = execa(file, args, {
        env,
        extendEnv: false,
        cwd,
        detached: true,
        cleanup: false,
        reject: false,
        stdin: 'ignore',
        stdout: { file: outputFile, append: true },
        stderr: { file: outputFile, append: true },
      });
    return new ProcessGroup(child);
  }

  get running(): boolean {
    return this.#running;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#running) signalGroup(this.pid, signal);
  }

  /** SIGTERM to the group leader only (what the kubelet sends PID 1), SIGKILL to the group after the grace period. */
  async terminate(gracePeriodMs: number): Promise<ExitInfo> {
    if (this.#running) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => this.signal('SIGKILL'), gracePeriodMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }

  #onExit(info: ExitInfo): ExitInfo {
    this.#running = false;
    // The leader is gone; make sure no member of its group (a beam the script left behind) outlives it.
    signalGroup(this.pid, 'SIGKILL');
    exitGuard.forgetGroup(this.pid);
    return info;
  }
}

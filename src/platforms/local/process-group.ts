import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { exitGuard } from './exit-guard.js';
import { killUntilGone, rememberingFinder, type ProcessFinder } from './kill-until-gone.js';
import { GROUP_MARKER_VARIABLE } from './process-labels.js';
import { environmentValue, type ProcessEntry } from './process-table.js';

export interface ExitInfo {
  exitCode: number | undefined;
  signal: string | undefined;
}

/** How long killing waits, and for what. */
export interface StopOptions {
  /** How long, in ms, every member may take to go after SIGKILL. Default 10_000. */
  timeoutMs?: number;
  /** Also wait until zombies of the group are reaped (teardown); default false: nothing runs any more. */
  untilReaped?: boolean;
}

/**
 * A long-lived child in its own process group, like a container: the server script, erl and beam.smp go when
 * the group is killed. Some members leave the group: Erlang's erl_child_setup starts its own session, and the
 * port programs it starts (inet_gethost, the disk monitor's sh) start theirs. So every member is found by a
 * marker in its environment (inherited by every descendant) as well as by its process group id, and a
 * process counts as gone only once /proc no longer shows it as running (or, if asked, at all).
 *
 * execa's own cleanup skips detached children, so the exit guard kills the group if warren exits without
 * tearing down (a crash, a second Ctrl-C).
 */
export class ProcessGroup {
  /** The leader's pid, which is also the process group id. */
  readonly pid: number;
  /** The value of GROUP_MARKER_VARIABLE in every member's environment. */
  readonly marker: string;
  /**
   * Resolves once the leader has exited and no other member runs any more (stragglers are SIGKILLed).
   * Never rejects: a member that would not go is reported by kill() and terminate().
   */
  readonly exited: Promise<ExitInfo>;
  readonly #members: ProcessFinder;
  #running = true;
  #stragglers: unknown;

  private constructor(child: ChildProcess, marker: string) {
    if (child.pid === undefined) throw new Error('spawn returned no pid');
    this.pid = child.pid;
    this.marker = marker;
    const pgid = this.pid;
    this.#members = rememberingFinder((entry) => entry.pgid === pgid || environmentValue(entry.pid, GROUP_MARKER_VARIABLE) === marker);
    exitGuard.watchGroup(this);
    // The child's own exit, not execa's result: that one also waits until the output pipes close, which an
    // orphaned member holding them open would delay until it is killed.
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
    }).then((info) => this.#onExit(info));
  }

  /**
   * Starts `file` in a new process group, with exactly `env` (plus the group's marker), stdin closed and
   * stdout and stderr appended to `outputFile`.
   * @throws Error when warren is already exiting (the exit guard is stopping everything) or spawn fails.
   */
  static spawn(file: string, args: string[], env: Record<string, string>, outputFile: string, cwd: string): ProcessGroup {
    exitGuard.beforeSpawn();
    const marker = randomBytes(6).toString('hex');
    const child = execa(file, args, {
      env: { ...env, [GROUP_MARKER_VARIABLE]: marker },
      extendEnv: false,
      cwd,
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      stdout: { file: outputFile, append: true },
      stderr: { file: outputFile, append: true },
    });
    child.catch(() => undefined); // reject: false; and the exit is read from the 'exit' event
    return new ProcessGroup(child, marker);
  }

  /** False once the leader has exited. */
  get running(): boolean {
    return this.#running;
  }

  /** Sends `signal` to the whole group (not to members that left it); nothing once the leader has exited. */
  signal(signal: NodeJS.Signals): void {
    if (!this.#running) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /**
   * SIGTERM to the leader only (what the kubelet sends PID 1); after `gracePeriodMs` SIGKILL to every member.
   * Resolves once the leader has exited and no member runs any more (or, with `untilReaped`, none is left at all).
   * @throws ProcessesRemainError when a member is still there `timeoutMs` after the SIGKILL.
   */
  async terminate(gracePeriodMs: number, options: StopOptions = {}): Promise<ExitInfo> {
    if (this.#running) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), gracePeriodMs);
    });
    try {
      await Promise.race([this.exited, graceOver]);
    } finally {
      clearTimeout(timer);
    }
    return this.kill(options);
  }

  /**
   * SIGKILL to every member, again until none runs any more (with `untilReaped`: until none is left at all).
   * Resolves with how the leader ended.
   * @throws ProcessesRemainError when a member is still there after `timeoutMs` (default 10 s).
   */
  async kill(options: StopOptions = {}): Promise<ExitInfo> {
    const what = `process group ${this.pid}`;
    await killUntilGone(this.#members, { what, timeoutMs: options.timeoutMs ?? 10_000, untilReaped: false });
    const info = await this.exited;
    if (this.#stragglers !== undefined) throw this.#stragglers;
    // The leader is our child: it is reaped by the time `exited` resolves. Re-parented members wait for PID 1.
    if (options.untilReaped) await killUntilGone(this.#members, { what, timeoutMs: options.timeoutMs ?? 10_000, untilReaped: true });
    return info;
  }

  /**
   * The members still in the process table, zombies included (a member once seen counts until it is reaped,
   * even after it left the group or lost its environment). Empty once the group is entirely gone.
   */
  remaining(): ProcessEntry[] {
    return this.#members();
  }

  async #onExit(info: ExitInfo): Promise<ExitInfo> {
    this.#running = false;
    // The leader is gone; no member (a beam the script left behind, an orphaned port program) may outlive it.
    try {
      await killUntilGone(this.#members, { what: `process group ${this.pid}`, untilReaped: false });
      this.#stragglers = undefined;
    } catch (error) {
      this.#stragglers = error;
    }
    // The exit guard keeps the group until PID 1 has reaped its orphans too, without holding anyone up.
    void killUntilGone(this.#members, { what: `process group ${this.pid}`, timeoutMs: 60_000 })
      .then(() => exitGuard.forgetGroup(this))
      .catch(() => undefined);
    return info;
  }
}

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../common/errors.js';
import type { ProbeResult } from '../../broker/amqp-connection.js';
import type { Logger } from '../../common/logger.js';
import type { PodPhase, PodStatus } from '../../core/platform.js';
import type { NodeLayout } from './node-layout.js';
import { ProcessGroup, type ExitInfo } from './process-group.js';

export interface PodOptions {
  layout: NodeLayout;
  env: Record<string, string>;
  log: Logger;
  /** The template revision this pod was created from. */
  revision: number;
  /** Readiness probe (like the chart's): 'ready' once the node serves AMQP with the pod's own credentials. */
  probeReady: () => Promise<ProbeResult>;
  /** The container's command (argv), from the pod template: `/bin/sh -c <script>` that ends by starting the server. */
  command: readonly [string, ...string[]];
  /** Runs before each start of the container: what the kubelet mounts (the Secret's config and cookie). */
  preStart: () => Promise<void>;
  onChange: () => void;
  now: () => number;
  backoff?: { initialMs: number; maxMs: number };
  /** Told of every server process group the pod starts (teardown waits until each is entirely gone). */
  onSpawn?: (group: ProcessGroup) => void;
  /** terminationGracePeriodSeconds in ms: a graceful delete's SIGTERM is followed by SIGKILL after it (default 30 000). */
  gracePeriodMs?: number;
  /**
   * A liveness probe that logs in as the readiness probe does (undefined: none). Once the node has booted, a probe
   * failing for `periodMs × failureThreshold` in a row makes the kubelet restart the container: SIGTERM, SIGKILL after
   * the grace period, then the usual restart with back-off (Kubernetes' livenessProbe; its initialDelaySeconds is
   * approximated by counting only after the node first answered).
   */
  liveness?: { periodMs: number; failureThreshold: number };
}

/**
 * One StatefulSet pod on this host: its server process under restartPolicy Always. A server that exits for
 * any reason (BOOT FAILED exits 0) is started again after a back-off, as the kubelet would, until the pod is
 * deleted. Readiness is probed continuously, so "ready" always reflects what a client sees now.
 */
export class Pod {
  #phase: PodPhase = 'absent';
  #restarts = 0;
  #bootFailures = 0;
  #readySinceMs: number | undefined;
  #booted = false;
  #process: ProcessGroup | undefined;
  #deleting = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(private readonly options: PodOptions) {}

  get status(): PodStatus {
    const status: PodStatus = {
      ordinal: this.options.layout.ordinal,
      nodeName: this.options.layout.nodeName,
      phase: this.#phase,
      restarts: this.#restarts,
      bootFailures: this.#bootFailures,
      revision: this.options.revision,
      booted: this.#booted,
    };
    if (this.#readySinceMs !== undefined) status.readySinceMs = this.#readySinceMs;
    return status;
  }

  get phase(): PodPhase {
    return this.#phase;
  }

  get revision(): number {
    return this.options.revision;
  }

  /** The pid of the running container process (its process group leader), or undefined between starts. */
  get pid(): number | undefined {
    return this.#process?.running ? this.#process.pid : undefined;
  }

  /** Creates the pod: starts the supervision loop. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run().catch((error) => this.options.log.warn(`pod loop failed: ${errorMessage(error)}`));
  }

  /** Terminates the pod: graceful (SIGTERM, then SIGKILL after the grace period) or kill -9 at once. */
  async delete(mode: 'graceful' | 'kill'): Promise<void> {
    this.#deleting = true;
    this.#wake?.();
    const process = this.#process;
    if (process?.running) {
      this.#setPhase('terminating');
      if (mode === 'kill') await process.kill();
      else {
        const gracePeriodMs = this.options.gracePeriodMs ?? 30_000;
        const exit = await process.terminate(gracePeriodMs);
        // The kubelet's SIGKILL at the end of the grace period: the stop was not graceful after all.
        if (exit.signal === 'SIGKILL') this.options.log.warn(`not stopped within terminationGracePeriodSeconds (${gracePeriodMs / 1_000} s): killed (SIGKILL)`);
      }
    }
    await this.#loop;
    this.#setPhase('absent');
  }

  async #run(): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 1_000, maxMs: 8_000 };
    let delayMs = backoff.initialMs;
    while (!this.#deleting) {
      this.#setPhase('starting');
      await this.options.preStart().catch((error) => this.options.log.warn(`pre-start command failed: ${errorMessage(error)}`));
      if (this.#deleting) break;
      const { exit, wasReady } = await this.#runOnce();
      if (this.#deleting) break;
      this.#restarts++;
      if (!wasReady) this.#bootFailures++;
      this.options.log.info(`server exited (code ${exit.exitCode ?? '-'}, signal ${exit.signal ?? '-'}); restart #${this.#restarts} in ${delayMs} ms`);
      this.#setPhase('back-off');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      delayMs = wasReady ? backoff.initialMs : Math.min(delayMs * 2, backoff.maxMs);
    }
  }

  async #runOnce(): Promise<{ exit: ExitInfo; wasReady: boolean }> {
    const { layout, env, log } = this.options;
    appendMarker(join(layout.logDir, 'console.log'), `--- warren: starting ${layout.nodeName} (restart ${this.#restarts}) ---`);
    const [file, ...args] = this.options.command;
    const process = ProcessGroup.spawn(file, args, env, join(layout.logDir, 'console.log'), layout.home);
    this.#process = process;
    this.options.onSpawn?.(process);
    log.info(`started the container command (pid ${process.pid})`);
    let wasReady = false;
    let failingSince: number | undefined;
    const probing = (async () => {
      while (process.running) {
        const probe = await this.options.probeReady();
        if (!process.running) break;
        const ready = probe === 'ready';
        const liveness = this.options.liveness;
        if (liveness !== undefined && this.#booted && !this.#deleting) {
          failingSince = ready ? undefined : (failingSince ?? Date.now());
          if (failingSince !== undefined && Date.now() - failingSince >= liveness.periodMs * liveness.failureThreshold) {
            log.warn(`liveness probe failed ${liveness.failureThreshold} times in a row (${probe}): the kubelet restarts the container`);
            appendMarker(join(layout.logDir, 'console.log'), `--- warren: liveness probe failed (${probe}): container restarted ---`);
            failingSince = undefined;
            await process.terminate(this.options.gracePeriodMs ?? 30_000);
            break;
          }
        }
        if (probe !== 'down' && !this.#booted) {
          this.#booted = true;
          if (probe === 'refused') log.info('booted, but the readiness probe\'s login is refused');
          this.options.onChange();
        }
        if (ready && this.#phase !== 'ready' && !this.#deleting) {
          wasReady = true;
          this.#readySinceMs = this.options.now();
          this.#setPhase('ready');
          log.info('ready');
        } else if (!ready && this.#phase === 'ready') {
          this.#readySinceMs = undefined;
          this.#setPhase('starting');
          log.info('not ready');
        }
        await Promise.race([process.exited, delay(this.#phase === 'ready' ? 1_000 : 250)]);
      }
    })();
    const exit = await process.exited;
    await probing;
    this.#readySinceMs = undefined;
    this.#booted = false;
    return { exit, wasReady };
  }

  #setPhase(phase: PodPhase): void {
    if (this.#phase === phase) return;
    this.#phase = phase;
    if (phase !== 'ready') this.#readySinceMs = undefined;
    this.options.onChange();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function appendMarker(file: string, line: string): void {
  appendFileSync(file, `${line}\n`);
}

import { ClusterCommandError, WaitTimeoutError } from '../common/errors.js';
import { waitFor } from '../common/wait.js';
import type { PlatformName } from '../core/platform.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/** rabbitmqctl's exit code for a usage error: the command is unknown (3.10) or the node lacks it. */
const EX_USAGE = 64;

/** What one call of the command answered. */
interface Attempt {
  ordinal: number;
  /** The CLI's exit code, or null when it did not answer in time. */
  exitCode: number | null;
  output: string;
}

export interface ForceStandaloneKhepriBootOptions {
  /** How long to keep calling the command while the pod (re)boots, in ms. */
  attemptWindowMs?: number;
  /** The command run on the node; only a negative-control test changes it. */
  command?: string;
}

/**
 * `rabbitmqctl force_standalone_khepri_boot` (RabbitMQ 3.13+, "Forces node to start as a standalone node"): on
 * a running node it calls `rabbit_khepri:force_shrink_member_to_current_member/0`, which shrinks the metadata
 * store's Raft cluster to this one member so it can elect itself leader. It is the Khepri disaster-recovery
 * command RabbitMQ's own clustering_recovery_SUITE drills (stop two of three nodes, force the survivor standalone).
 * It needs the Erlang node up: the pod is called while it boots and waits for a leader (its window is
 * khepri_leader_wait_retry_timeout), again on each restart, until the command answers.
 */
export class ForceStandaloneKhepriBootRecovery implements Recovery {
  readonly name = 'force-standalone-khepri-boot';
  readonly description = 'rabbitmqctl force_standalone_khepri_boot on the pod that waits for a metadata store leader';
  readonly requires = [] as const;
  readonly wipesData = false;
  readonly #attemptWindowMs: number;
  readonly #command: string;
  /** Per drill (run id): every answer, and the pod that accepted the command (if one did). */
  readonly #attempts = new Map<string, { attempts: Attempt[]; acceptedBy?: number }>();

  constructor(options: ForceStandaloneKhepriBootOptions = {}) {
    this.#attemptWindowMs = options.attemptWindowMs ?? 90_000;
    this.#command = options.command ?? 'force_standalone_khepri_boot';
  }

  mechanism(platform: PlatformName): string {
    return platform === 'local'
      ? `\`rabbitmqctl -n rabbit-N@localhost ${this.#command}\` against the lowest pod that is up but not booted, repeated across its restarts until it answers`
      : `\`kubectl exec <pod> -- rabbitmqctl ${this.#command}\` on the lowest pod that is running but not ready, repeated across its restarts until it answers`;
  }

  async apply(context: DrillContext): Promise<void> {
    const { cluster } = context;
    const record: { attempts: Attempt[]; acceptedBy?: number } = { attempts: [] };
    this.#attempts.set(context.runId, record);
    const outcome = await waitFor(
      `${this.#command} to be accepted`,
      async () => {
        const pods = cluster.status().filter((pod) => pod.phase !== 'absent');
        if (pods.length > 0 && pods.every((pod) => pod.booted)) return 'every-pod-booted' as const;
        const target = pods.find((pod) => !pod.booted && pod.phase === 'starting');
        if (!target) return undefined;
        const attempt = await this.#call(context, target.ordinal);
        record.attempts.push(attempt);
        if (attempt.exitCode === 0) {
          record.acceptedBy = target.ordinal;
          return 'accepted' as const;
        }
        // Unknown command (3.10) or a node without the function: no later call can answer differently.
        return attempt.exitCode === EX_USAGE ? ('refused' as const) : undefined;
      },
      { timeoutMs: this.#attemptWindowMs, intervalMs: 500, signal: context.signal },
    ).catch((error: unknown) => {
      if (error instanceof WaitTimeoutError) return 'never-answered' as const;
      throw error;
    });
    for (const line of distinctAnswers(record.attempts, this.#command)) context.addEvidence(line);
    if (outcome === 'accepted') context.mark(`pod ${record.acceptedBy}: ${this.#command} accepted`);
    else if (outcome === 'every-pod-booted') context.mark(`every pod has booted: no pod waits for a leader, ${this.#command} not needed`);
    else context.mark(`${this.#command} ${outcome === 'refused' ? 'refused' : `never accepted in ${this.#attemptWindowMs / 1000} s`} (${record.attempts.length} call(s))`);
  }

  /**
   * Proof the command acted: it was accepted (exit 0) by a pod, and that pod booted afterwards. Exit 0 on a pod
   * that still never boots changed nothing and is never credited.
   */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const record = this.#attempts.get(context.runId) ?? { attempts: [] };
    this.#attempts.delete(context.runId);
    return [standaloneBootTookEffect(record, context.cluster.status(), this.#command)];
  }

  async #call(context: DrillContext, ordinal: number): Promise<Attempt> {
    try {
      const result = await context.cluster.exec(ordinal, 'rabbitmqctl', [this.#command], { timeoutMs: 20_000 });
      return { ordinal, exitCode: result.exitCode, output: firstLine(`${result.stdout}\n${result.stderr}`) };
    } catch (error) {
      if (error instanceof ClusterCommandError && error.failure === 'timeout') return { ordinal, exitCode: null, output: error.message };
      throw error;
    }
  }
}

/**
 * The check `standalone-boot-took-effect`. Input: every call's answer and the pod that accepted (if any), and the
 * pods as the platform reports them now. Fails when no call was accepted, or the accepting pod never booted.
 */
export function standaloneBootTookEffect(
  record: { attempts: readonly Attempt[]; acceptedBy?: number },
  pods: readonly { ordinal: number; booted: boolean }[],
  command = 'force_standalone_khepri_boot',
): CheckRecord {
  const name = 'standalone-boot-took-effect';
  if (record.acceptedBy === undefined) {
    const last = record.attempts.at(-1);
    return {
      name,
      ok: false,
      reason: last ? `${command} was never accepted (${record.attempts.length} call(s); last: exit ${last.exitCode ?? 'none'}: ${last.output || 'no output'})` : `${command} was never called: no pod was up and waiting`,
      observation: record.attempts,
    };
  }
  const pod = pods.find((p) => p.ordinal === record.acceptedBy);
  if (!pod?.booted) return { name, ok: false, reason: `${command} exited 0 on pod ${record.acceptedBy}, but that pod never booted afterwards: it changed nothing`, observation: record.attempts };
  return { name, ok: true };
}

function distinctAnswers(attempts: readonly Attempt[], command: string): string[] {
  const lines = attempts.map((a) => `pod ${a.ordinal}: rabbitmqctl ${command} → ${a.exitCode === null ? 'no answer' : `exit ${a.exitCode}`}${a.output ? `: ${a.output}` : ''}`);
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (${n}×)` : line));
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line.length > 0)?.slice(0, 300) ?? '';
}

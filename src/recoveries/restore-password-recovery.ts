import { waitFor } from '../common/wait.js';
import { firstLine } from '../common/text.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { Recovery } from './recovery.js';

/**
 * Password drift, fixed on RabbitMQ's side: the default user's password is set back to the one the Secret holds,
 * with `rabbitmqctl change_password` on a node that runs (the CLI authenticates with the Erlang cookie, which did not
 * change, so it works while every login with the Secret is refused). Nothing restarts.
 */
export class RestorePasswordRecovery implements Recovery {
  readonly name = 'restore-password';
  readonly description = "set the default user's password inside RabbitMQ back to the Secret's (rabbitmqctl change_password)";
  readonly requires = [] as const;
  readonly wipesData = false;

  mechanism(): string {
    return "`rabbitmqctl change_password <user> <the Secret's password>` on the lowest pod whose node has booted, again each second until one accepts it";
  }

  async apply(context: DrillContext): Promise<void> {
    const { cluster } = context;
    const { username, password } = cluster.credentials;
    const answered = await waitFor(
      `a node to accept rabbitmqctl change_password ${username}`,
      async () => {
        for (const pod of cluster.status().filter((candidate) => candidate.booted)) {
          const result = await cluster.exec(pod.ordinal, 'rabbitmqctl', ['change_password', username, password]);
          if (result.exitCode === 0) return pod.ordinal;
          context.log.info(`change_password on pod ${pod.ordinal} exited ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}`);
        }
        return undefined;
      },
      { timeoutMs: Math.max(1_000, context.recoveryDeadline - Date.now()), intervalMs: 1_000, signal: context.signal },
    );
    context.mark(`pod ${answered}: the password of ${username} is the Secret's again`);
    context.addEvidence(`rabbitmqctl change_password ${username} exited 0 on pod ${answered}`);
  }

  /** `password-matches-secret`: RabbitMQ itself says the Secret's password is the user's (`rabbitmqctl authenticate_user`). */
  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const { cluster } = context;
    const { username, password } = cluster.credentials;
    const pod = cluster.status().find((candidate) => candidate.booted);
    if (pod === undefined) return [{ name: 'password-matches-secret', ok: false, reason: 'no node has booted to ask' }];
    const result = await cluster.exec(pod.ordinal, 'rabbitmqctl', ['authenticate_user', username, password]);
    return [
      result.exitCode === 0
        ? { name: 'password-matches-secret', ok: true, reason: `rabbitmqctl authenticate_user on pod ${pod.ordinal}: the Secret's password is accepted` }
        : { name: 'password-matches-secret', ok: false, reason: `rabbitmqctl authenticate_user on pod ${pod.ordinal} exited ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}` },
    ];
  }
}

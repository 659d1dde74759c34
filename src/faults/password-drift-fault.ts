import { ClusterCommandError } from '../common/errors.js';
import { generateCredentials, type Credentials } from '../common/secrets.js';
import { firstLine } from '../common/text.js';
import type { DrillContext } from '../core/drill-context.js';
import { irreversible, type ActiveFault, type Fault } from './fault.js';

/**
 * The default user's password changed inside RabbitMQ (the management UI's "Update user", or
 * `rabbitmqctl change_password`) while the Secret keeps the old one. The password hash lives in the metadata store,
 * so every node refuses the Secret at once: the readiness probe (it logs in with the Secret, as the chart's older
 * `curl --user` probes did) fails on every pod, and every client holding the Secret gets ACCESS_REFUSED. Nothing
 * restarts: the data is intact and the nodes keep running, unready.
 *
 * The new password is generated per drill and redacted like every other secret. It is changed through pod 0.
 */
export class PasswordDriftFault implements Fault {
  readonly name = 'password-drift';
  readonly description = "the default user's password changed inside RabbitMQ (rabbitmqctl change_password); the Secret keeps the old one";
  readonly requires = [] as const;
  /** Per drill (run id): the password RabbitMQ has now, which the operator who changed it knows. */
  readonly #drifted = new Map<string, string>();

  /**
   * The Secret as it would be with the password the drill set inside RabbitMQ (for a method that fixes the Secret's
   * side): the cluster's credentials with that password, or undefined before the fault ran in that drill.
   */
  driftedCredentials(runId: string, current: Credentials): Credentials | undefined {
    const password = this.#drifted.get(runId);
    return password === undefined ? undefined : { ...current, password };
  }

  async inject(context: DrillContext): Promise<ActiveFault> {
    const { cluster } = context;
    const drifted = generateCredentials();
    context.keepSecret(drifted);
    this.#drifted.set(context.runId, drifted.password);
    const user = cluster.credentials.username;
    context.mark(`rabbitmqctl change_password ${user} (a new password, not in the Secret) on pod 0`);
    const result = await cluster.exec(0, 'rabbitmqctl', ['change_password', user, drifted.password]);
    if (result.exitCode !== 0) throw new ClusterCommandError(`rabbitmqctl change_password ${user} on pod 0 exited ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
    context.mark(`the password of ${user} no longer matches the Secret`);
    return irreversible;
  }
}

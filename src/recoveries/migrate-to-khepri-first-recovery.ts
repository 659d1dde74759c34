import { khepriPossible, metadataStoreFrom } from '../broker/rabbitmq-info.js';
import { firstLine } from '../common/text.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import type { RabbitMqInfo } from '../core/rabbitmq-release.js';
import { featureFlags, featureFlagsText } from '../broker/feature-flags.js';
import type { Recovery } from './recovery.js';

/**
 * For an upgrade to a Khepri-only series (4.3) from a cluster still on Mnesia: migrate the metadata store first, while
 * the old cluster is healthy (`rabbitmqctl enable_feature_flag --opt-in khepri_db` on pod 0: 4.0.5 refuses the flag
 * without `--opt-in`, measured), check the migration finished (khepri_db enabled), then change the image. Not
 * applicable on a cluster already on Khepri, or on one older than 3.13 (Khepri first shipped in 3.13).
 */
export class MigrateToKhepriFirstRecovery implements Recovery {
  readonly name = 'migrate-to-khepri-first';
  readonly description = 'rabbitmqctl enable_feature_flag --opt-in khepri_db on the old cluster, then the upgrade';
  readonly requires = [] as const;
  readonly wipesData = false;
  readonly #proof = new Map<string, CheckRecord>();

  mechanism(): string {
    return 'before the fault, on pod 0 of the healthy old cluster: rabbitmqctl enable_feature_flag --opt-in khepri_db, then list_feature_flags read back';
  }

  notApplicable(rabbitmq: RabbitMqInfo): string | undefined {
    if (rabbitmq.metadataStore === 'khepri') return 'the cluster already runs on Khepri: nothing to migrate';
    if (rabbitmq.version !== null && !khepriPossible(rabbitmq.version)) return `RabbitMQ ${rabbitmq.version} has no Khepri (it first shipped in 3.13): nothing to migrate to`;
    return undefined;
  }

  async prepare(context: DrillContext): Promise<void> {
    context.mark('rabbitmqctl enable_feature_flag --opt-in khepri_db on the old cluster (the Mnesia to Khepri migration)');
    const started = Date.now();
    const enabled = await context.cluster.exec(0, 'rabbitmqctl', ['enable_feature_flag', '--opt-in', 'khepri_db'], { timeoutMs: 180_000 });
    const took = ((Date.now() - started) / 1000).toFixed(1);
    const after = await featureFlags(context.cluster, 0);
    context.addEvidence(`rabbitmqctl enable_feature_flag --opt-in khepri_db → exit ${enabled.exitCode} after ${took} s: ${firstLine(enabled.stdout || enabled.stderr)}`);
    context.addEvidence(`feature flags after the migration: ${featureFlagsText(after)}`);
    const onKhepri = !('error' in after) && metadataStoreFrom(after) === 'khepri';
    const ok = enabled.exitCode === 0 && onKhepri;
    this.#proof.set(context.runId, { name: 'migrated-to-khepri', ok, ...(ok ? {} : { reason: enabled.exitCode !== 0 ? `enable_feature_flag khepri_db exited ${enabled.exitCode}` : 'khepri_db is not enabled after the migration' }) });
    context.mark(ok ? `metadata store migrated to Khepri in ${took} s` : 'the migration to Khepri did not finish');
  }

  async apply(context: DrillContext): Promise<void> {
    context.mark('nothing more: the metadata store was migrated before the upgrade');
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const proof = this.#proof.get(context.runId) ?? { name: 'migrated-to-khepri', ok: false, reason: 'the migration never ran (no steady state)' };
    this.#proof.delete(context.runId);
    return [proof];
  }
}

import { firstLine } from '../common/text.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import { featureFlags, featureFlagsText } from '../broker/feature-flags.js';
import type { Recovery } from './recovery.js';

/**
 * The upgrade runbook's first step (rabbitmq.com/docs/upgrade: "enable all feature flags before upgrading"): while
 * the old cluster is healthy, `rabbitmqctl enable_feature_flag all` on pod 0; then the image is changed as with `none`.
 * Evidence `feature-flags-enabled-first`: the command exited 0 and no stable flag was left disabled (read back with
 * `list_feature_flags` before the upgrade).
 */
export class EnableFeatureFlagsFirstRecovery implements Recovery {
  readonly name = 'enable-feature-flags-first';
  readonly description = 'rabbitmqctl enable_feature_flag all on the old cluster, then the upgrade';
  readonly requires = [] as const;
  readonly wipesData = false;
  readonly #proof = new Map<string, CheckRecord>();

  mechanism(): string {
    return 'before the fault, on pod 0 of the healthy old cluster: rabbitmqctl enable_feature_flag all, then list_feature_flags read back';
  }

  async prepare(context: DrillContext): Promise<void> {
    const before = await featureFlags(context.cluster, 0);
    context.mark('rabbitmqctl enable_feature_flag all on the old cluster');
    const enabled = await context.cluster.exec(0, 'rabbitmqctl', ['enable_feature_flag', 'all'], { timeoutMs: 120_000 });
    const after = await featureFlags(context.cluster, 0);
    context.addEvidence(`feature flags before: ${featureFlagsText(before)}`);
    context.addEvidence(`rabbitmqctl enable_feature_flag all → exit ${enabled.exitCode}: ${firstLine(enabled.stdout || enabled.stderr)}`);
    context.addEvidence(`feature flags after: ${featureFlagsText(after)}`);
    const stableLeft = 'error' in after ? [] : after.filter((flag) => flag.state !== 'enabled' && flag.stability !== 'experimental');
    const ok = enabled.exitCode === 0 && !('error' in after) && stableLeft.length === 0;
    this.#proof.set(context.runId, {
      name: 'feature-flags-enabled-first',
      ok,
      ...(ok ? {} : { reason: enabled.exitCode !== 0 ? `enable_feature_flag all exited ${enabled.exitCode}` : 'error' in after ? after.error : `still disabled: ${stableLeft.map((flag) => flag.name).join(', ')}` }),
    });
  }

  async apply(context: DrillContext): Promise<void> {
    context.mark('nothing more: the feature flags were enabled before the upgrade');
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const proof = this.#proof.get(context.runId) ?? { name: 'feature-flags-enabled-first', ok: false, reason: 'the flags were never enabled (no steady state)' };
    this.#proof.delete(context.runId);
    return [proof];
  }
}

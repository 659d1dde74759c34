import type { Credentials } from '../../common/secrets.js';
import type { ForceBootVia, StartPolicy, UninstallTermination } from '../../core/platform.js';

/** What the pod template is made of: the Secret's values and how (or whether) force_boot runs before the server. */
export interface ReleaseTemplate {
  credentials: Credentials;
  forceBoot: { enabled: boolean; via: ForceBootVia };
  /** warren's revision number for this content, stamped on the pod template (rolls the pods when it changes). */
  revision: number;
}

/**
 * RabbitMQ installed on Kubernetes one way or another: warren's own manifests, or the Bitnami chart via helm.
 * The cluster drives both through this; each says in its own words what it did.
 */
export interface Release {
  readonly installer: 'manifests' | 'helm';
  readonly statefulSetName: string;
  readonly container: string;
  /** Where a node's mnesia directory lives inside its pod. */
  mnesiaDir(ordinal: number): string;
  podName(ordinal: number): string;
  nodeName(ordinal: number): string;
  install(template: ReleaseTemplate, policy: StartPolicy): Promise<void>;
  /** helm upgrade / kubectl patch: the StatefulSet's pod template becomes `template`. */
  upgrade(template: ReleaseTemplate): Promise<void>;
  uninstall(termination: UninstallTermination): Promise<void>;
  /** The StatefulSet again with another podManagementPolicy (immutable): delete it orphaning the pods, create it. */
  recreateWithPolicy(template: ReleaseTemplate, policy: StartPolicy): Promise<void>;
  /** Reads back what is really applied (not what helm said): is force boot in the pod template, and how. */
  appliedForceBoot(): Promise<{ chartValue: boolean; command: boolean }>;
}

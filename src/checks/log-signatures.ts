import { decodeErlangStrings } from '../common/erlang-terms.js';
import type { Diagnosis } from '../core/journal.js';

export interface LogSignature {
  name: string;
  pattern: RegExp;
  meaning: string;
  /**
   * The node refuses every boot of its image on this data the same way (a feature flag it requires or cannot
   * enable): once a pod has failed again with it, waiting cannot help, only a change (the image, the data, the
   * peers' feature flags) can.
   */
  refusesEveryBoot?: true;
}

/**
 * Named log lines that explain an outage. `Waiting for Mnesia tables` alone is printed on every healthy boot,
 * so the table-wait signature is the retry warning, not the info line.
 */
export const LOG_SIGNATURES: readonly LogSignature[] = [
  { name: 'table-wait-retry', pattern: /Error while waiting for Mnesia tables/, meaning: 'the node waited for peers that hold newer tables; retries were counting down' },
  { name: 'timeout-waiting-for-tables', pattern: /timeout_waiting_for_tables/, meaning: 'a table wait ran out: a retry, or the final give-up once retries are exhausted (the node was not the last to stop)' },
  {
    name: 'timeout-waiting-for-leader',
    pattern: /timeout_waiting_for_leader/,
    meaning: 'Khepri (RabbitMQ 4.x): the node gave up waiting for a Raft leader of the metadata store; a lone member of 3 cannot elect one (measured on 4.3.6: `exit:timeout_waiting_for_leader` in rabbit_khepri:setup/1, then BOOT FAILED)',
  },
  { name: 'boot-failed', pattern: /BOOT FAILED/, meaning: 'the server exited during boot; the pod is restarted (CrashLoopBackOff on Kubernetes)' },
  { name: 'timeout-contacting-cluster-nodes', pattern: /Timeout contacting cluster nodes/, meaning: 'none of the nodes this node was clustered with could be reached' },
  { name: 'invalid-challenge-reply', pattern: /Invalid challenge reply|Connection attempt from disallowed node/, meaning: 'a peer with a different Erlang cookie tried to connect' },
  { name: 'cookie-authentication-failed', pattern: /Authentication failed.*Erlang cookie/, meaning: 'CLI or peer rejected: the Erlang cookie does not match' },
  { name: 'cluster-not-formed', pattern: /cluster_not_formed|failed to form new cluster/, meaning: 'a quorum queue could not be declared: a majority of its members is not up' },
  { name: 'incompatible-feature-flags', pattern: /incompatible_feature_flags/, meaning: 'a node restarting while peers booted saw other feature flags; the pod retries' },
  {
    name: 'inconsistent-database',
    pattern: /inconsistent_database/,
    meaning: "Mnesia found that peers which lost each other wrote on both sides (`running_partitioned_network`): RabbitMQ records a network partition",
  },
  {
    name: 'liveness-restart',
    pattern: /warren: liveness probe failed/,
    meaning: "the pod's liveness probe (it logs in with the Secret) failed in a row and the kubelet restarted the container; with a password that no longer matches it restarts in a loop",
  },
  {
    name: 'queues-removed-with-node',
    pattern: /Will remove all (?:classic )?queues from node/,
    meaning: 'forget_cluster_node deleted the queues that lived on the forgotten node, with their messages (logged by 4.0.5 for classic queues, by 4.3.6 for all)',
  },
  {
    name: 'member-not-started-at-declaration',
    pattern: /\b[1-9]\d* servers? failed to start: \[\{(?!'?(?:rabbit_stream_coordinator|rabbitmq_metadata)\b)/,
    meaning: "a quorum queue was declared while one of its members' nodes was down: Ra started the others and left that member unstarted (`ra: started cluster ... 1 servers failed to start: [{'%2F_<queue>',<node>}]`, measured on 3.10.8 and 4.3.6; the stream coordinator and the Khepri store are Ra clusters too and do not count)",
  },
  {
    name: 'member-started-as-new',
    pattern: /was not found on this node\. Starting member as a new one/,
    meaning: 'a node that was down when a quorum queue was declared started its member from the queue record, empty, to catch up from the leader (rabbitmq-server PR #8630; logged by 4.3.6)',
  },
  {
    name: 'disabled-required-feature-flag',
    pattern: /required feature flag not enabled|disabled_required_feature_flag/,
    meaning: 'a node of a newer series found a feature flag it requires disabled in the data and refused to boot; the old series may not even have it (measured: 4.0.5 on 3.10.8 data, `stream_single_active_consumer`: required feature flag not enabled! It must be enabled before upgrading RabbitMQ)',
    refusesEveryBoot: true,
  },
  {
    name: 'feature-flag-unsupported',
    pattern: /Feature flags: `[\w.-]+`: unsupported; aborting/,
    meaning: 'a node of a newer series must enable a feature flag its peers do not support, and refuses to boot: the upgrade skipped a series (measured: 4.3.6 joining 4.0.5 peers, `amqp_filter_set_bug`: unsupported; aborting, then BOOT FAILED {error,unsupported})',
    refusesEveryBoot: true,
  },
  { name: 'access-refused', pattern: /ACCESS[-_]REFUSED/, meaning: 'the client credentials were refused (e.g. the password was regenerated but the data kept the old one)' },
  {
    name: 'method-outlasted-deadline',
    pattern: /method [\w-]+ still running at the recovery deadline/,
    meaning: "the runbook's own steps had not finished when the recovery deadline came (e.g. on 4.0.5 a fresh pod 0 under OrderedReady spends the whole deadline in peer discovery, its peers never started)",
  },
  {
    name: 'force-boot-no-op',
    pattern: /warren: force_boot exit code 0, force_load absent/,
    meaning: 'rabbitmqctl force_boot exited 0 but left no force_load file: it changed nothing (Khepri has no force_load; measured on RabbitMQ 4.x)',
  },
  { name: 'force-load', pattern: /^(?!.*warren: force_boot).*force[_ ]load/i, meaning: 'tables were force-loaded (force_boot or a force_load file)' },
];

export interface DiagnoseOptions {
  /** Where the text comes from: a node's log (default) or what a client was told. */
  source?: Diagnosis['source'];
  signatures?: readonly LogSignature[];
}

/** Finds each signature in a text (a node's log, a client error): how often, and the first matching line as evidence. */
export function diagnose(node: string, log: string, options: DiagnoseOptions = {}): Diagnosis[] {
  const { source = 'log', signatures = LOG_SIGNATURES } = options;
  // Decoded first: a signature may sit inside an Erlang char list ([99,108,117,...] = "cluster_not_formed").
  const lines = log.split('\n').map((line) => (line.includes('[') || line.includes('<<') ? decodeErlangStrings(line) : line));
  const found: Diagnosis[] = [];
  for (const signature of signatures) {
    let count = 0;
    let evidence = '';
    for (const line of lines) {
      if (!signature.pattern.test(line)) continue;
      count++;
      if (evidence === '') evidence = line.trim().slice(0, 400);
    }
    if (count > 0) found.push({ signature: signature.name, meaning: signature.meaning, source, node, count, evidence });
  }
  return found;
}

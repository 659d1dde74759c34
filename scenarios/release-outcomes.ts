import { Expect } from '../src/scenarios/methods.js';

/**
 * Outcomes several scenarios share on the same releases, named once. Each scenario file says which runs its
 * expectations come from (4.3.6 and 4.0.5 runs of 2026-11-30 and 2026-12-01).
 */

/** Khepri: a lone pod 0 has no Raft majority to elect a metadata store leader, and OrderedReady never starts the others. */
export const KHEPRI_DEADLOCK = Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-leader');
/** Mnesia: pod 0 gives up waiting for its peers' tables, and OrderedReady never starts them. */
export const MNESIA_DEADLOCK = Expect.staysDown('ordered-ready-deadlock', 'timeout-waiting-for-tables');
/** 4.0.5 (both stores): a fresh pod 0 alone under OrderedReady is still in peer discovery at the 120 s deadline. */
export const FRESH_POD_STILL_DISCOVERING = Expect.staysDown('method-outlasted-deadline');
/**
 * force_standalone_khepri_boot is accepted by the waiting pod 0, which boots as a one-member store and serves alone;
 * pod 1, still a member of the old 3-member store, crash-loops on timeout_waiting_for_leader and OrderedReady never
 * creates pod 2 (4.3.6: /tmp/fsk43; 4.0.5: /tmp/y/fs40k; 2026-12-01).
 */
export const STANDALONE_POD_0_ALONE = Expect.staysDown('split-cluster', 'timeout-waiting-for-leader');

/**
 * Under Parallel every pod starts at once, so the node that stopped last boots and the others load from it: the
 * whole-cluster outages that deadlock under OrderedReady come back by themselves. Measured 2026-12-01/02 with
 * `npm run scenario <full-shutdown|delete-all-pods> -- --start-policy Parallel --rabbitmq <series> --metadata-store
 * <store>` (reports /tmp/par/*), on 3.10.8, 4.0.5 (both stores) and 4.3.6.
 */
export const UNDER_PARALLEL_RECOVERS = (orderedReady: ReturnType<typeof Expect.staysDown>) => Expect.byStartPolicy({ OrderedReady: orderedReady, Parallel: Expect.recovers() });
/**
 * Khepri under Parallel: the cluster comes back by itself and force boot (or force_load) does nothing, so the
 * method's own check fails (force-load-consumed: false, /tmp/par/full-shutdown-4.3-khepri). No expectation says
 * "recovered, but not by the method" yet: these methods are not drilled under Parallel on Khepri.
 */
export const KHEPRI_DEADLOCK_ORDERED_READY_ONLY = Expect.byStartPolicy({ OrderedReady: KHEPRI_DEADLOCK });
/**
 * force_standalone_khepri_boot under Parallel: pod 0 boots alone as a one-member store while pods 1 and 2 keep the
 * old store's majority and run; no leader wait is left to see (/tmp/par/*-4.3-khepri).
 */
export const STANDALONE_POD_0_ALONE_BY_POLICY = Expect.byStartPolicy({ OrderedReady: STANDALONE_POD_0_ALONE, Parallel: Expect.staysDown('split-cluster') });
/** 4.0.5, definitions-reimport: under Parallel the fresh cluster forms at once and the import recovers (messages lost). */
export const FRESH_POD_4_0_BY_POLICY = Expect.byStartPolicy({ OrderedReady: FRESH_POD_STILL_DISCOVERING, Parallel: Expect.recoversMessagesLost() });
/** Recovered, every message kept, under OrderedReady and under Parallel alike (the /tmp/par runs above). */
export const EITHER_RECOVERS = Expect.underEitherStartPolicy(Expect.recovers());

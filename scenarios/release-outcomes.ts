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

/**
 * The labels warren puts in the environment of every process it starts on this host. Every descendant inherits
 * them, so they find a process wherever it moved (a new session, a new parent): the exit guard, teardown and
 * `warren cleanup` use them, and touch nothing without them.
 */

/** The run a process belongs to: `<run id>-<method>`, the same name as its run directory `warren-<label>`. */
export const RUN_LABEL_VARIABLE = 'WARREN_RUN_ID';

/** The warren process that owns the run, as `<pid>:<start time>` (see RunOwner): cleanup leaves a live owner's run alone. */
export const OWNER_VARIABLE = 'WARREN_OWNER';

/** The process group (a pod's server, epmd) a process belongs to: a random value per group. */
export const GROUP_MARKER_VARIABLE = 'WARREN_PROCESS_GROUP';

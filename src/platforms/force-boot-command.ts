/**
 * How a pod's start command runs `rabbitmqctl force_boot`, and how to tell from what a pod really runs whether it
 * does. Both platforms render the same two mechanisms, as the field notes describe them:
 * - the StatefulSet edit: a line `rabbitmqctl force_boot` before the server starts (field notes, method 2);
 * - the chart's value: env `RABBITMQ_FORCE_BOOT=yes`, which the entrypoint turns into the same call (the Bitnami
 *   chart's `clustering.forceBoot`; design §2). The entrypoint's guarded line is always in the script.
 * Each call is followed by a marker with its exit code and whether it left a `force_load` file in the node's data
 * directory (what `rabbitmqctl force_boot` does on Mnesia: rabbit_mnesia:force_load_next_boot/0), so the container
 * log says how it ended and whether it changed anything. On Khepri (4.x) force_boot exits 0 and writes nothing
 * (measured on 4.3.6 and 4.0.5): the marker then says `force_load absent`, a no-op.
 */

/**
 * The marker a pod's script prints after force_boot: `warren: force_boot exit code 0, force_load written` (the
 * part after the comma is missing where the data directory is unknown).
 */
export const FORCE_BOOT_MARKER = /warren: force_boot exit code (\d+)(?:, force_load (written|absent))?/g;

/** The log line of a force_boot that exited 0 and wrote no force_load: it changed nothing. */
export const FORCE_BOOT_NO_OP = /warren: force_boot exit code 0, force_load absent/;

/**
 * The shell expression of a node's data directory, where force_boot writes force_load: RABBITMQ_MNESIA_DIR if set,
 * else <RABBITMQ_MNESIA_BASE>/<RABBITMQ_NODENAME> (RabbitMQ's own default layout).
 */
const DATA_DIR = '${RABBITMQ_MNESIA_DIR:-${RABBITMQ_MNESIA_BASE:-/var/lib/rabbitmq/mnesia}/${RABBITMQ_NODENAME:-rabbit@$(hostname)}}';

/** The env var the chart renders for force boot (Bitnami: RABBITMQ_FORCE_BOOT=yes). */
export const FORCE_BOOT_ENV = 'RABBITMQ_FORCE_BOOT';

/** The StatefulSet edit's line, calling `ctl` (a path to rabbitmqctl, or `rabbitmqctl` on PATH). */
export function forceBootLine(ctl: string): string {
  return `${ctl} force_boot; code=$?; if [ -e "${DATA_DIR}/force_load" ]; then left=written; else left=absent; fi; echo "warren: force_boot exit code $code, force_load $left"`;
}

/** The entrypoint's guarded line: acts only when the chart rendered RABBITMQ_FORCE_BOOT=yes. */
export function forceBootEnvLine(ctl: string): string {
  return `if [ "\${${FORCE_BOOT_ENV}:-}" = yes ]; then ${forceBootLine(ctl)}; fi`;
}

/**
 * What a start command really does, read from the command and environment a pod runs with:
 * `chartValue` when the env has RABBITMQ_FORCE_BOOT=yes, `command` when a line of the script starts with a
 * `rabbitmqctl force_boot` call (the entrypoint's guarded `if` line does not count: it is not the edit).
 * @param command the argv (e.g. `['/bin/sh', '-c', script]`); every part is read line by line.
 */
export function forceBootIn(command: readonly string[], env: Readonly<Record<string, string | undefined>>): { chartValue: boolean; command: boolean } {
  const chartValue = env[FORCE_BOOT_ENV] === 'yes';
  const edited = command.some((part) => part.split('\n').some((line) => /^\s*(?:\S*\/)?rabbitmqctl(?:\s+-n\s+\S+)?\s+force_boot\b/.test(line)));
  return { chartValue, command: edited };
}

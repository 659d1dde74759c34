import { exportDefinitions, importDefinitions, listQueues, withoutUsers } from '../broker/definitions.js';
import { moveShovel, queueDepths } from '../broker/shovel.js';
import { ClusterCommandError } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import { sleep } from '../common/wait.js';
import type { DrillContext } from '../core/drill-context.js';
import type { CheckRecord } from '../core/journal.js';
import { need, type StartedCluster } from '../core/platform.js';
import { SUPPORTED_STORES, type RabbitMqSeries } from '../core/rabbitmq-release.js';
import type { Recovery } from './recovery.js';

/** How long the shovels may take to move every message (measured: 400 messages in about a second). */
const MOVE_TIMEOUT_MS = 60_000;
/** How long blue may take to drop the last moved messages once every shovel is gone (see untilMoved). */
const SETTLE_MS = 10_000;

/** What one queue's move did: messages on blue before, on green after, and left on blue when clients switched. */
export interface QueueMove {
  queue: string;
  before: number;
  moved: number;
  leftOnBlue: number;
}

interface DrillState {
  moves: QueueMove[];
  problem?: string;
}

/**
 * The upgrade done as a blue-green deployment (rabbitmq.com/docs/blue-green-upgrade), before the image change, on
 * the healthy old ("blue") cluster: a new ("green") cluster of `to` beside it, with the same Secret; the
 * definitions exported from blue and imported into green (without the Secret's own user: green's Secret owns it);
 * the shovel plugin enabled on green, and one dynamic shovel per queue holding messages moving what it holds
 * ({@link moveShovel}: acknowledged at blue only once green confirmed); once blue's queues are empty (or after 60 s:
 * then `messages-moved` fails) clients switch to green and blue is removed. If green cannot take the definitions or
 * the shovels, it is removed at once and clients stay on blue. The image change that follows finds green already on `to`: nothing to roll out.
 * Evidence `messages-moved`: per queue, blue's count before, green's after, and what was left on blue at the switch
 * (a message left there is removed with blue: the ledger counts it lost).
 */
export class BlueGreenRecovery implements Recovery {
  readonly name: string;
  readonly description: string;
  readonly requires = ['volume-files'] as const;
  readonly wipesData = false;
  readonly #drills = new Map<string, DrillState>();

  /**
   * @param to the series the green cluster runs (on its default metadata store).
   * @param options.moveMessages false: the runbook without its shovel step (`blue-green-definitions-only`: export,
   * new cluster, import, switch), which leaves every message on the old cluster, removed with it.
   */
  constructor(
    readonly to: RabbitMqSeries,
    readonly options: { moveMessages?: boolean } = {},
  ) {
    const moves = options.moveMessages ?? true;
    this.name = moves ? 'blue-green' : 'blue-green-definitions-only';
    this.description = `a new RabbitMQ ${to} cluster beside the old one: definitions exported and imported, ${moves ? 'messages shovelled' : 'messages not moved'}, clients switched, the old cluster removed`;
  }

  mechanism(): string {
    const shovel = this.options.moveMessages ?? true ? 'rabbitmq-plugins enable rabbitmq_shovel (new); a dynamic shovel per queue holding messages, imported as definitions (src-delete-after queue-length, ack-mode on-confirm); once the old queues are empty (or after 60 s) ' : 'no shovel; ';
    return `before the image change, while the old cluster is healthy: a second cluster of RabbitMQ ${this.to}, same Secret; rabbitmqctl export_definitions (old) and import_definitions (new); ${shovel}clients switched; the old cluster deleted`;
  }

  async prepare(context: DrillContext): Promise<void> {
    const started = Date.now();
    const state: DrillState = { moves: [] };
    this.#drills.set(context.runId, state);
    const blue = context.cluster;
    const store = SUPPORTED_STORES[this.to][0];
    context.mark(`green cluster: ${blue.nodes.length} pods of RabbitMQ ${this.to} on ${store}, beside the old one`);
    const green = need(await context.provisionBeside({ series: this.to, metadataStore: store }, 'green'), 'volume-files');
    context.addEvidence(`green cluster ready after ${seconds(started)}: RabbitMQ ${this.to} on ${store}`);

    const definitions = await exportDefinitions(blue, 0);
    const queues = definitions.queues ?? [];
    const imported = await importDefinitions(green, 0, withoutUsers(definitions, [green.credentials.username]));
    const present = new Set((await listQueues(green, 0)).map((queue) => queue.name));
    const missing = queues.filter((queue) => !present.has(queue.name)).map((queue) => queue.name);
    context.addEvidence(`definitions: ${queues.length} queues exported from the old cluster, import_definitions on green → exit ${imported.exitCode}${missing.length > 0 ? `; missing on green: ${missing.join(', ')}` : ''}`);
    if (imported.exitCode !== 0 || missing.length > 0) {
      state.problem = `import_definitions on green: exit ${imported.exitCode}: ${firstLine(imported.output)}`;
      await green.teardown(); // clients stay on blue: the image change that follows meets the old cluster
      return;
    }

    const before = await queueDepths(blue, 0);
    const toMove = queues.filter((queue) => (before.get(queue.name) ?? 0) > 0);
    if (this.options.moveMessages === false) {
      context.addEvidence(`messages not moved: ${toMove.map((queue) => `${queue.name} ${before.get(queue.name)}`).join(', ')} left on the old cluster`);
      context.mark('clients switched to the green cluster without moving messages; the old cluster removed');
      await context.switchTo(green);
      return;
    }
    await enableShovel(green);
    context.mark(`shovelling ${toMove.length} queues (${toMove.map((queue) => `${queue.name}: ${before.get(queue.name)}`).join(', ')})`);
    // One import declares every shovel: never a command line with the credentials in it (ps would show them).
    const shovels = toMove.map((queue) => ({
      vhost: queue.vhost,
      component: 'shovel',
      name: shovelName(queue.name),
      value: moveShovel(blue.nodes[0]!.amqp, green.nodes[0]!.amqp, green.credentials, { name: queue.name, arguments: queue.arguments ?? {} }),
    }));
    const set = await importDefinitions(green, 0, { parameters: shovels });
    if (set.exitCode !== 0) {
      state.problem = `the shovels' import_definitions on green: exit ${set.exitCode}: ${firstLine(set.output)}`;
      context.addEvidence(state.problem);
      // Clients stay on blue: no shovel may go on moving their messages to a cluster about to be removed.
      for (const shovel of shovels) await green.exec(0, 'rabbitmqctl', ['clear_parameter', 'shovel', shovel.name], { timeoutMs: 30_000 }).catch(() => undefined);
      await green.teardown();
      return;
    }
    const shovelled = Date.now();
    const after = await untilMoved(context, blue, green, toMove.map((queue) => queue.name));
    const onGreen = await queueDepths(green, 0);
    state.moves = toMove.map((queue) => ({ queue: queue.name, before: before.get(queue.name) ?? 0, moved: onGreen.get(queue.name) ?? 0, leftOnBlue: after.get(queue.name) ?? 0 }));
    context.addEvidence(`messages moved by shovel in ${seconds(shovelled)}: ${state.moves.map((move) => `${move.queue} ${move.before} → ${move.moved} on green, ${move.leftOnBlue} left on the old cluster`).join('; ')}`);
    context.mark('clients switched to the green cluster; the old cluster removed');
    await context.switchTo(green);
    context.addEvidence(`blue-green upgrade to RabbitMQ ${this.to} took ${seconds(started)}`);
  }

  async apply(context: DrillContext): Promise<void> {
    context.mark('nothing more: clients use the green cluster');
  }

  async evidence(context: DrillContext): Promise<CheckRecord[]> {
    const state = this.#drills.get(context.runId);
    this.#drills.delete(context.runId);
    // Without a shovel step the method claims no move: what happened to the messages is the ledger's to say alone.
    return this.options.moveMessages === false ? [] : [movedRecord(state)];
  }
}

/**
 * `messages-moved`: as many messages on green as blue held, in every queue (what the ledger then reads). Messages still
 * on blue once green holds them all are copies (blue never got the shovel's last acknowledgements): reported, not a
 * failure, since blue's removal loses nothing green lacks.
 */
export function movedRecord(state: { moves: QueueMove[]; problem?: string } | undefined): CheckRecord {
  if (state === undefined) return { name: 'messages-moved', ok: false, reason: 'no blue-green move was prepared (no steady state)' };
  if (state.problem) return { name: 'messages-moved', ok: false, reason: state.problem };
  if (state.moves.length === 0) return { name: 'messages-moved', ok: false, reason: 'no queue held messages to move' };
  const short = state.moves.filter((move) => move.moved < move.before);
  if (short.length > 0) return { name: 'messages-moved', ok: false, reason: short.map((move) => `${move.queue}: ${move.before} on the old cluster, ${move.moved} on green, ${move.leftOnBlue} left behind`).join('; ') };
  return { name: 'messages-moved', ok: true };
}

/** `rabbitmq-plugins enable rabbitmq_shovel` on every pod (a dynamic shovel may start on any node of the cluster). */
async function enableShovel(cluster: StartedCluster): Promise<void> {
  await Promise.all(
    cluster.nodes.map(async (node) => {
      const result = await cluster.exec(node.ordinal, 'rabbitmq-plugins', ['enable', 'rabbitmq_shovel'], { timeoutMs: 60_000 });
      if (result.exitCode !== 0) throw new ClusterCommandError(`rabbitmq-plugins enable rabbitmq_shovel on pod ${node.ordinal}: exit ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
    }),
  );
}

/**
 * Waits until every moved queue is empty on blue, or MOVE_TIMEOUT_MS. Once every shovel has deleted itself (each
 * moves what its queue held when it started, then goes) blue gets SETTLE_MS more: a shovel may stop before the
 * acknowledgements of its last messages reached blue, which then keeps (requeues) them.
 * @throws ClusterCommandError when blue cannot list its queues or green its parameters (before the fault: the drill
 * cannot go on).
 */
async function untilMoved(context: DrillContext, blue: StartedCluster, green: StartedCluster, queues: string[]): Promise<Map<string, number>> {
  let deadline = Date.now() + MOVE_TIMEOUT_MS;
  let shovelsGone = false;
  for (;;) {
    const depths = await queueDepths(blue, 0);
    if (queues.every((queue) => (depths.get(queue) ?? 0) === 0) || Date.now() > deadline) return depths;
    if (!shovelsGone && (await runningShovels(green)).length === 0) {
      shovelsGone = true;
      deadline = Math.min(deadline, Date.now() + SETTLE_MS);
    }
    await sleep(500, context.signal);
  }
}

/** The names of the shovels still defined on `cluster` (`rabbitmqctl list_parameters`, component shovel). */
async function runningShovels(cluster: StartedCluster): Promise<string[]> {
  const result = await cluster.exec(0, 'rabbitmqctl', ['list_parameters', '--formatter', 'json'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterCommandError(`list_parameters on node 0 failed: ${firstLine(result.stderr || result.stdout)}`, { failure: 'exit-code' });
  return (JSON.parse(result.stdout || '[]') as { component: string; name: string }[]).filter((row) => row.component === 'shovel').map((row) => row.name);
}

function shovelName(queue: string): string {
  return `warren-move-${queue}`;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

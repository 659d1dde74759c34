import { errorMessage } from '../common/errors.js';
import { firstLine } from '../common/text.js';
import type { StartedCluster } from '../core/platform.js';

/** One quorum queue's Raft group as a member sees it: its leader's node and every member's node. */
export interface QuorumLeadership {
  /** The leader's node name, e.g. `rabbit-2@localhost`. */
  leader: string;
  /** Every member's node name, as Ra lists them. */
  members: string[];
}

/** How long one leadership call may take (a member without a leader waits for an election). */
const CALL_TIMEOUT_MS = 15_000;

/**
 * The Ra server of quorum queue `queue` (vhost `/`) on the node the expression runs on: the queue record's pid is
 * `{RaName, LeaderNode}` (rabbit_quorum_queue, 3.10 to 4.3), and a queue's member on node N is `{RaName, N}`.
 */
function raName(queue: string): string {
  return `{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, ${erlangBinary(queue)})), {RaName, _} = amqqueue:get_pid(Q)`;
}

/** A UTF-8 Erlang binary literal of `text`, byte by byte (`<<119,97>>`): no quoting to get wrong, any name. */
function erlangBinary(text: string): string {
  return `<<${[...Buffer.from(text, 'utf8')].join(',')}>>`;
}

/** An Erlang atom literal of a node name (`'rabbit-2@localhost'`), quotes and backslashes escaped. */
function erlangAtom(text: string): string {
  return `'${text.replace(/[\\']/g, (character) => `\\${character}`)}'`;
}

/**
 * Who leads quorum queue `queue`, as the member on pod `ordinal` sees it (`ra:members/1`, the Ra library every
 * quorum queue runs on). Works the same on 3.10, 4.0 and 4.3 (measured), where `rabbitmq-queues quorum_status`
 * prints differently on each.
 * @returns the leader and members, or a one-line reason when the member has none to give (no leader, no member).
 */
export async function quorumLeadership(cluster: StartedCluster, ordinal: number, queue: string): Promise<QuorumLeadership | { error: string }> {
  const expression = `${raName(queue)}, case ra:members({RaName, node()}) of {ok, Members, {_, Leader}} -> io:format("leader ~s members ~s~n", [Leader, lists:join(",", [atom_to_list(N) || {_, N} <- Members])]); Other -> io:format("no-leader ~0p~n", [Other]) end, ok.`;
  try {
    const result = await cluster.exec(ordinal, 'rabbitmqctl', ['eval', expression], { timeoutMs: CALL_TIMEOUT_MS });
    const line = result.stdout.split('\n').find((candidate) => candidate.startsWith('leader ') || candidate.startsWith('no-leader'));
    const parsed = /^leader (\S+) members (\S*)$/.exec(line ?? '');
    if (result.exitCode === 0 && parsed) return { leader: parsed[1]!, members: parsed[2]!.split(',').filter(Boolean) };
    return { error: `ra:members on pod ${ordinal}: ${firstLine(line ?? (result.stderr || result.stdout)) || `exit ${result.exitCode}`}` };
  } catch (error) {
    return { error: `ra:members on pod ${ordinal}: ${errorMessage(error)}` };
  }
}

/**
 * Moves the leadership of quorum queue `queue` to its member on node `target` (`ra:transfer_leadership/2`, asked of
 * the current leader; `rabbitmq-queues transfer_leadership` exists only from 4.x, the Ra call on every release).
 * @returns what Ra answered (`ok`, `already_leader`, `{error,...}`, `{timeout,...}`) or why it could not be asked.
 */
export async function transferLeadership(cluster: StartedCluster, ordinal: number, queue: string, target: string): Promise<string> {
  const expression = `${raName(queue)}, {ok, _, Leader} = ra:members({RaName, node()}), io:format("answer ~0p~n", [ra:transfer_leadership(Leader, {RaName, ${erlangAtom(target)}})]), ok.`;
  try {
    const result = await cluster.exec(ordinal, 'rabbitmqctl', ['eval', expression], { timeoutMs: CALL_TIMEOUT_MS });
    const answer = /^answer (.*)$/m.exec(result.stdout)?.[1];
    return answer ?? `exit ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}`;
  } catch (error) {
    return errorMessage(error);
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../../src/platforms/local/process-group.js';
import { processesWithEnv, stillThere, type ProcessRow } from '../support/leftovers.js';

/**
 * ProcessGroup with real processes: kill() and terminate() resolve only once no member of the group runs any
 * more, members that left the group (a new session, as Erlang's erl_child_setup and its port programs do) and
 * members that ignore SIGTERM included; with `untilReaped`, once none is left in the process table at all.
 * Each group's processes carry a tag of the test's own in their environment, which is how the test finds them.
 */
describe('ProcessGroup', () => {
  let dir: string;
  const started: ProcessGroup[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'process-group-test-'));
  });
  afterEach(async () => {
    // Whatever a failing test left: the tagged processes go (this is not the code under test judging itself).
    for (const row of processesWithEnv('PROCESS_GROUP_TEST', () => true)) {
      try {
        process.kill(row.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await Promise.all(started.splice(0).map((group) => group.exited));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /**
   * Starts `script` under sh in a group, and waits until `members` processes carry its tag, in `groups` process
   * groups (a `setsid` member is seen in the parent's group until setsid() has run: under load that takes a while).
   */
  async function startGroup(script: string, members: number, groups = script.includes('setsid') ? 2 : 1): Promise<{ group: ProcessGroup; tag: string; rows: ProcessRow[] }> {
    const tag = randomBytes(6).toString('hex');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PROCESS_GROUP_TEST: tag };
    const group = ProcessGroup.spawn('sh', ['-c', script], env, join(dir, `${tag}.log`), dir);
    started.push(group);
    let rows: ProcessRow[] = [];
    const seen = () => {
      rows = processesWithEnv('PROCESS_GROUP_TEST', (value) => value === tag);
      return `${rows.length} processes in ${new Set(rows.map((row) => row.pgid)).size} group(s)`;
    };
    await expect.poll(seen, { timeout: 5_000 }).toBe(`${members} processes in ${groups} group(s)`);
    return { group, tag, rows };
  }

  const running = (rows: ProcessRow[]) => rows.map(stillThere).filter((row) => row !== undefined && row.state !== 'Z');
  const inTable = (rows: ProcessRow[]) => rows.map(stillThere).filter((row) => row !== undefined);

  it('kill() resolves only once no member runs, one that started its own session included', async () => {
    const { group, rows } = await startGroup('setsid sleep 100 & sleep 100 & wait', 3);
    expect(new Set(rows.map((row) => row.pgid)).size).toBe(2); // the setsid one left the group

    await group.kill();
    expect(running(rows)).toEqual([]);
  });

  it('kill({ untilReaped: true }) resolves only once no member is left in the process table, zombies included', async () => {
    // Killed together with their parent, the sleeps are re-parented to PID 1 and stay zombies until it reaps them.
    const { group, rows } = await startGroup('sleep 100 & sleep 100 & wait', 3);

    await group.kill({ untilReaped: true });
    expect(inTable(rows)).toEqual([]);
  });

  it('terminate() SIGKILLs, after the grace period, a member that ignores SIGTERM, and resolves only once it is gone', async () => {
    // The leader and everything it starts ignore SIGTERM; one member also left the group.
    const { group, rows } = await startGroup("trap '' TERM; setsid sleep 100 & sleep 100 & wait", 3);
    const started = Date.now();

    const exit = await group.terminate(600);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(exit.signal).toBe('SIGKILL'); // what the pod reads as "not stopped within its grace period"
    expect(running(rows)).toEqual([]);
  });

  it('terminate() does not wait out the grace period for a leader that goes on SIGTERM, and leaves no orphan running', async () => {
    const { group, rows } = await startGroup('setsid sleep 100 & wait', 2);
    const started = Date.now();

    const exit = await group.terminate(30_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exit.signal).toBe('SIGTERM');
    expect(running(rows)).toEqual([]);
  });

  it('a leader that exits by itself takes its orphans with it before `exited` resolves', async () => {
    // The script ends on its own; the sleep it started in a session of its own would be left behind.
    const { group, rows } = await startGroup('setsid sleep 100 & sleep 1', 3);

    const exit = await group.exited;
    expect(exit.exitCode).toBe(0);
    expect(running(rows)).toEqual([]);
  });
});

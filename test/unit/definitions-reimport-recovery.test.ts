import { describe, expect, it } from 'vitest';
import type { Definitions } from '../../src/broker/definitions.js';
import type { Credentials } from '../../src/common/secrets.js';
import type { ExecResult } from '../../src/core/platform.js';
import { DefinitionsReimportRecovery } from '../../src/recoveries/definitions-reimport-recovery.js';
import { FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

const QUORUM = 'warren.ledger.quorum.0';
const CLASSIC = 'warren.ledger.classic.0';
const NODES = ['rabbit-0@localhost', 'rabbit-1@localhost', 'rabbit-2@localhost'];
/** The Secret after a mismatched-cookie fault: the same user, a regenerated password and cookie. */
const CURRENT: Credentials = { username: 'warren', password: 'fake-current-password', erlangCookie: 'FAKECURRENTCOOKIE' };

function exported(): Definitions {
  return {
    rabbit_version: '3.10.8',
    users: [
      { name: 'warren', password_hash: 'fake-old-hash', tags: ['administrator'] } as { name: string },
      { name: 'app', password_hash: 'fake-app-hash', tags: [] } as { name: string },
      { name: 'monitoring', password_hash: 'fake-mon-hash', tags: ['monitoring'] } as { name: string },
    ],
    vhosts: [{ name: '/' }],
    permissions: [{ user: 'app', vhost: '/' }],
    queues: [
      { name: QUORUM, vhost: '/', durable: true, arguments: { 'x-queue-type': 'quorum' } },
      { name: CLASSIC, vhost: '/', durable: true, arguments: {} },
    ],
  };
}

interface QueueRowJson {
  name: string;
  type: string;
  members: string[] | '';
  leader: string;
}

const quorumRow = (members = NODES): QueueRowJson => ({ name: QUORUM, type: 'quorum', members, leader: members[0] ?? '' });
const classicRow: QueueRowJson = { name: CLASSIC, type: 'classic', members: '', leader: '' };

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });

interface Script {
  /** What each import answers, by attempt (the last one repeats). */
  imports?: ((cluster: FakeCluster) => ExecResult)[];
  /** What each list_queues answers, by call (the last one repeats). */
  lists?: QueueRowJson[][];
}

/** A cluster after the fault: current Secret regenerated; after install every pod comes up ready. */
function scripted(script: Script = {}) {
  const cluster = new FakeCluster({ currentCredentials: CURRENT });
  const imports: ExecCall[] = [];
  let lists = 0;
  cluster.scriptExec((call, c) => {
    const command = call.args[0];
    if (call.tool === 'rabbitmqctl' && command === 'export_definitions') return ok(JSON.stringify(exported()));
    if (call.tool === 'rabbitmqctl' && command === 'import_definitions') {
      imports.push(call);
      const answers = script.imports ?? [() => ok('Successfully started definition import.')];
      return answers[Math.min(imports.length, answers.length) - 1]!(c);
    }
    if (call.tool === 'rabbitmqctl' && command === 'list_queues') {
      lists++;
      const answers = script.lists ?? [[quorumRow(), classicRow]];
      return ok(JSON.stringify(answers[Math.min(lists, answers.length) - 1]));
    }
    if (call.tool === 'rabbitmq-queues' && command === 'grow') return ok(`growing ${call.args[1]}`);
    throw new Error(`unexpected exec: ${call.tool} ${call.args.join(' ')}`);
  });
  cluster.on('install', () => cluster.allReady());
  return { cluster, imports };
}

const fast = () => new DefinitionsReimportRecovery({ firstRetryMs: 5, maxRetryMs: 10 });

describe('DefinitionsReimportRecovery.prepare', () => {
  it('exports the definitions from node 0 while healthy', async () => {
    const { cluster } = scripted();
    const context = fakeContext(cluster);
    await fast().prepare(context);
    expect(cluster.callsOf('exec')).toEqual([
      { op: 'exec', ordinal: 0, tool: 'rabbitmqctl', args: ['export_definitions', '-', '--format', 'json'], timeoutMs: 30_000 },
    ]);
    expect(context.evidence).toEqual(['definitions exported while healthy: 2 queues, 3 users, 1 vhosts']);
  });

  it('fails loudly when the export fails', async () => {
    const cluster = new FakeCluster({ exec: () => ({ exitCode: 69, stdout: '', stderr: 'Error: unable to perform an operation on node' }) });
    await expect(fast().prepare(fakeContext(cluster))).rejects.toThrow(/export_definitions on node 0 failed: Error: unable to perform/);
  });
});

describe('DefinitionsReimportRecovery.apply', () => {
  it('refuses to run without an export from before the fault', async () => {
    const { cluster } = scripted();
    await expect(fast().apply(fakeContext(cluster))).rejects.toThrow('no definitions were exported before the fault');
    expect(cluster.calls).toEqual([]);
  });

  it('deletes the release and its volumes, installs fresh with the current Secret and imports without the Secret user', async () => {
    const { cluster, imports } = scripted();
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    cluster.clearCalls();
    await recovery.apply(context);

    expect(cluster.ops()).toEqual(['uninstall', 'install', 'writeDataFile', 'exec rabbitmqctl import_definitions', 'writeDataFile', 'exec rabbitmqctl list_queues', 'exec rabbitmqctl list_queues']);
    expect(cluster.callsOf('uninstall')[0]!.options).toEqual({ volumes: 'delete', termination: 'at-once' });
    const installed = cluster.callsOf('install')[0]!.options.credentials;
    expect(installed).toEqual(CURRENT);
    expect(installed.password).not.toBe(cluster.spec.credentials.password);

    expect(imports).toHaveLength(1);
    expect(imports[0]!.ordinal).toBe(0);
    const imported = JSON.parse(cluster.callsOf('writeDataFile')[0]!.content) as Definitions;
    expect(imported.users!.map((user) => user.name)).toEqual(['app', 'monitoring']);
    expect(imported.users!.some((user) => user.name === cluster.credentials.username)).toBe(false);
    expect(imported.queues!.map((queue) => queue.name)).toEqual([QUORUM, CLASSIC]);
    expect(imported.permissions).toEqual(exported().permissions);
    expect(context.evidence).toContain("import leaves out user warren: the current Secret owns it (the exported password hash would undo it)");
    expect(context.marks).toContain('pod 0 ready');
    expect(context.marks).toContain('definitions imported (attempt 1): 2 queues');
  });

  it('waits for pod 0 to be ready before importing', async () => {
    const { cluster, imports } = scripted();
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    // Pod 0 comes up only on the third poll after the install.
    cluster.on('install', () => cluster.setAllPods({ phase: 'starting', booted: false }));
    let readyAt: number | undefined;
    let importsBeforeReady: number | undefined;
    cluster.onStatus((poll) => {
      if (cluster.callsOf('install').length === 0) return;
      readyAt ??= poll + 2;
      if (poll === readyAt) {
        importsBeforeReady = imports.length;
        cluster.allReady();
      }
    });
    await recovery.apply(context);
    expect(readyAt).toBeDefined();
    expect(importsBeforeReady).toBe(0);
    expect(imports).toHaveLength(1);
  });

  it('gives up with a timeout when pod 0 never becomes ready, importing nothing', async () => {
    const { cluster, imports } = scripted();
    const context = fakeContext(cluster, { recoveryDeadline: Date.now() });
    const recovery = fast();
    await recovery.prepare(context);
    cluster.on('install', () => cluster.setAllPods({ phase: 'back-off', booted: false }));
    await expect(recovery.apply(context)).rejects.toThrow(/pod 0 ready after the fresh install: not reached within 1000 ms/);
    expect(imports).toEqual([]);
  });

  it('retries while a quorum queue is missing and the log says cluster_not_formed, then reports 1 retry', async () => {
    const { cluster, imports } = scripted({
      imports: [
        (c) => {
          c.appendLog(0, '2024-01-01 00:00:00 [error] <0.1.0> Could not declare queue warren.ledger.quorum.0: {error,cluster_not_formed}');
          return ok('Successfully started definition import.');
        },
        () => ok('Successfully started definition import.'),
      ],
      lists: [[classicRow], [quorumRow(), classicRow]],
    });
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);

    expect(imports).toHaveLength(2);
    expect(context.marks).toContain('import attempt 1: exit 0, 1 queue(s) missing (cluster_not_formed); retry in 0.005 s');
    expect(context.marks).toContain('definitions imported (attempt 2): 2 queues');

    const checks = await recovery.evidence(context);
    expect(checks).toEqual([{ name: 'definitions-imported', ok: true, observation: { attempts: 2, retried: 1 }, reason: 'complete after 1 retry' }]);
    expect(context.evidence).toContain(`import attempt 1: exit 0, 1 queue(s) missing (cluster_not_formed)`);
    expect(context.evidence).toContain('import attempt 2: exit 0, 0 queue(s) missing');
  });

  it('also retries an import that skipped a queue without a word ("skipped without an error")', async () => {
    const { cluster, imports } = scripted({ lists: [[classicRow], [classicRow], [quorumRow(), classicRow]] });
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);
    expect(imports).toHaveLength(3);
    expect(context.marks).toContain('import attempt 1: exit 0, 1 queue(s) missing (skipped without an error); retry in 0.005 s');
    expect(context.marks).toContain('import attempt 2: exit 0, 1 queue(s) missing (skipped without an error); retry in 0.01 s');
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ ok: true, observation: { attempts: 3, retried: 2 }, reason: 'complete after 2 retries' });
  });

  it('stops at once on a non-zero import exit that is not cluster_not_formed, and evidence reports it not ok', async () => {
    const { cluster, imports } = scripted({
      imports: [() => ({ exitCode: 65, stdout: '', stderr: 'Bad argument: the definitions file is not valid JSON' })],
      lists: [[]],
    });
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);

    expect(imports).toHaveLength(1);
    expect(context.marks).toContain('import failed (attempt 1): Bad argument: the definitions file is not valid JSON');
    const checks = await recovery.evidence(context);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'definitions-imported', ok: false });
    expect(checks[0]!.observation).toEqual([{ attempt: 1, exitCode: 65, missingQueues: [QUORUM, CLASSIC], reason: 'Bad argument: the definitions file is not valid JSON' }]);
    expect(context.evidence).toContain('import attempt 1: exit 65, 2 queue(s) missing (Bad argument: the definitions file is not valid JSON)');
  });

  it('retries a non-zero import exit when the broker says cluster_not_formed', async () => {
    const { cluster, imports } = scripted({
      imports: [() => ({ exitCode: 70, stdout: '', stderr: 'Error: {error,cluster_not_formed}' }), () => ok()],
      lists: [[classicRow], [quorumRow(), classicRow]],
    });
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);
    expect(imports).toHaveLength(2);
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ ok: true, observation: { attempts: 2, retried: 1 } });
  });

  it('gives up once the next retry would pass the recovery deadline, and evidence names the missing queue', async () => {
    const { cluster, imports } = scripted({ lists: [[classicRow]] });
    const context = fakeContext(cluster, { recoveryDeadline: Date.now() + 2_000 });
    const recovery = new DefinitionsReimportRecovery({ firstRetryMs: 5_000, maxRetryMs: 5_000 });
    await recovery.prepare(context);
    await recovery.apply(context);
    expect(imports).toHaveLength(1);
    expect(context.marks).toContain('import gave up after 1 attempts: 1 queues missing');
    const [check] = await recovery.evidence(context);
    expect(check).toMatchObject({ name: 'definitions-imported', ok: false, reason: `queue still missing after 1 attempt: ${QUORUM}` });
  });

  it('grows a 1-member quorum queue: rabbitmq-queues grow <node> all for each missing node', async () => {
    const { cluster } = scripted({ lists: [[quorumRow(['rabbit-0@localhost']), classicRow]] });
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);

    const grows = cluster.callsOf('exec').filter((call) => call.tool === 'rabbitmq-queues');
    expect(grows.map((call) => [call.ordinal, call.args])).toEqual([
      [0, ['grow', 'rabbit-1@localhost', 'all']],
      [0, ['grow', 'rabbit-2@localhost', 'all']],
    ]);
    expect(context.marks).toContain('grew 1 quorum queue(s) to 3 members');
    await recovery.evidence(context);
    expect(context.evidence).toContain(`quorum queues short of members after the import: ${QUORUM} (1/3)`);
    expect(context.evidence).toContain('rabbitmq-queues grow rabbit-2@localhost all → exit 0');
  });

  it('grows nothing when every quorum queue has all its members', async () => {
    const { cluster } = scripted();
    const context = fakeContext(cluster);
    const recovery = fast();
    await recovery.prepare(context);
    await recovery.apply(context);
    expect(cluster.callsOf('exec').filter((call) => call.tool === 'rabbitmq-queues')).toEqual([]);
    expect(context.marks.some((mark) => mark.startsWith('grew'))).toBe(false);
  });
});

describe('DefinitionsReimportRecovery.evidence', () => {
  it('reports the import never ran for a drill it knows nothing about', async () => {
    const checks = await fast().evidence(fakeContext(new FakeCluster()));
    expect(checks).toEqual([{ name: 'definitions-imported', ok: false, reason: 'the import never ran', observation: [] }]);
  });

  it('keeps drills apart by run id', async () => {
    const { cluster } = scripted();
    const recovery = fast();
    const a = fakeContext(cluster, { runId: 'run-a' });
    await recovery.prepare(a);
    await recovery.apply(a);
    const [other] = await recovery.evidence(fakeContext(cluster, { runId: 'run-b' }));
    expect(other).toMatchObject({ ok: false, reason: 'the import never ran' });
    const [own] = await recovery.evidence(a);
    expect(own).toMatchObject({ ok: true, observation: { attempts: 1, retried: 0 } });
    expect(own).not.toHaveProperty('reason');
  });
});

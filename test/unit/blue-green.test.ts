import { describe, expect, it } from 'vitest';
import { moveShovel, queueDepths } from '../../src/broker/shovel.js';
import { BlueGreenRecovery, movedRecord } from '../../src/recoveries/blue-green-recovery.js';
import { FAKE_CREDENTIALS, FakeCluster, fakeContext, type ExecCall } from '../support/fake-cluster.js';

const FAKE_PASSWORD = FAKE_CREDENTIALS.password;

const QUEUES = [
  { name: 'warren.ledger.classic.0', vhost: '/', durable: true, arguments: { 'x-queue-type': 'classic' } },
  { name: 'warren.ledger.quorum', vhost: '/', durable: true, arguments: { 'x-queue-type': 'quorum' } },
];
const json = (value: unknown) => ({ exitCode: 0, stdout: JSON.stringify(value), stderr: '' });

/** Blue holds 100 messages per queue until green's shovels are set (then `left` each); green gets what moved. */
function clusters(options: { left?: number; importExit?: number; shovelImportExit?: number } = {}) {
  let shovelled = false;
  let imports = 0;
  const blue = new FakeCluster({
    exec: (call: ExecCall) => {
      if (call.args[0] === 'export_definitions') return json({ queues: QUEUES, users: [{ name: 'warren' }, { name: 'app' }], vhosts: [{ name: '/' }] });
      if (call.args[0] === 'list_queues') return json(QUEUES.map((queue) => ({ name: queue.name, messages: shovelled ? (options.left ?? 0) : 100 })));
      return json([]);
    },
  });
  const green = new FakeCluster({
    runId: 'fake-run-green',
    rabbitmq: { series: '4.3', metadataStore: 'khepri' },
    exec: (call: ExecCall) => {
      if (call.args[0] === 'import_definitions') {
        // The first import is the topology, the second the shovels.
        imports++;
        const exitCode = (imports === 1 ? options.importExit : options.shovelImportExit) ?? 0;
        if (imports === 2 && exitCode === 0) shovelled = true;
        return { exitCode, stdout: '', stderr: exitCode ? 'Error: bad file' : '' };
      }
      if (call.args[0] === 'list_queues' && call.args.includes('messages')) return json(QUEUES.map((queue) => ({ name: queue.name, messages: shovelled ? 100 - (options.left ?? 0) : 0 })));
      if (call.args[0] === 'list_queues') return json(QUEUES.map((queue) => ({ name: queue.name, type: queue.arguments['x-queue-type'], members: [], leader: '' })));
      return json([]);
    },
  });
  return { blue, green };
}

describe('BlueGreenRecovery', () => {
  it('stands up green beside blue, imports the definitions, shovels every queue holding messages, then switches clients and removes blue', async () => {
    const { blue, green } = clusters();
    const asked: unknown[] = [];
    const context = fakeContext(blue, { beside: async (rabbitmq, name) => (asked.push([rabbitmq, name]), green) });
    const recovery = new BlueGreenRecovery('4.3');
    await recovery.prepare(context);
    expect(asked).toEqual([[{ series: '4.3', metadataStore: 'khepri' }, 'green']]);
    expect(context.cluster).toBe(green);
    expect(blue.callsOf('teardown')).toHaveLength(1);
    expect(green.callsOf('exec').filter((call) => call.tool === 'rabbitmq-plugins').map((call) => call.args.join(' '))).toEqual(Array(3).fill('enable rabbitmq_shovel'));
    // The shovels come as definitions, never on a command line (the credentials would show in ps).
    expect(green.callsOf('exec').some((call) => call.args.some((arg) => arg.includes(FAKE_PASSWORD)))).toBe(false);
    const written = green.callsOf('writeDataFile').filter((call) => call.content !== '').map((call) => JSON.parse(call.content) as { parameters?: { component: string; name: string; value: Record<string, unknown> }[] });
    expect(written[1]!.parameters!.map((p) => [p.component, p.name, p.value['src-queue'], p.value['src-delete-after']])).toEqual([
      ['shovel', 'warren-move-warren.ledger.classic.0', 'warren.ledger.classic.0', 'queue-length'],
      ['shovel', 'warren-move-warren.ledger.quorum', 'warren.ledger.quorum', 'queue-length'],
    ]);
    // The Secret's own user is left out of the import: green's Secret owns it.
    const imported = JSON.parse(green.callsOf('writeDataFile').find((call) => call.content !== '')!.content) as { users: { name: string }[] };
    expect(imported.users.map((user) => user.name)).toEqual(['app']);
    expect(context.evidence.find((line) => line.startsWith('messages moved by shovel'))).toMatch(/warren\.ledger\.quorum 100 → 100 on green, 0 left on the old cluster/);
    expect(await recovery.evidence(context)).toEqual([{ name: 'messages-moved', ok: true }]);
  });

  it('fails messages-moved when green got fewer than blue held (the rest is removed with blue: the ledger counts it lost)', async () => {
    const { blue, green } = clusters({ left: 7 });
    const context = fakeContext(blue, { beside: async () => green });
    const recovery = new BlueGreenRecovery('4.3');
    const moving = recovery.prepare(context);
    await expect(moving).resolves.toBeUndefined();
    const [record] = await recovery.evidence(context);
    expect(record).toMatchObject({ name: 'messages-moved', ok: false, reason: expect.stringMatching(/warren\.ledger\.classic\.0: 100 on the old cluster, 93 on green, 7 left behind/) });
  }, 20_000);

  it('passes when green holds every message even if blue kept copies (the shovel stopped before its last acknowledgements)', () => {
    expect(movedRecord({ moves: [{ queue: 'q', before: 100, moved: 100, leftOnBlue: 100 }] })).toEqual({ name: 'messages-moved', ok: true });
  });

  it('keeps clients on blue when the import fails, and says why', async () => {
    const { blue, green } = clusters({ importExit: 1 });
    const context = fakeContext(blue, { beside: async () => green });
    const recovery = new BlueGreenRecovery('4.3');
    await recovery.prepare(context);
    expect(context.cluster).toBe(blue);
    expect(green.callsOf('exec').some((call) => call.tool === 'rabbitmq-plugins')).toBe(false);
    expect(green.callsOf('teardown')).toHaveLength(1);
    expect((await recovery.evidence(context))[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/^import_definitions on green: exit 1/) });
  });

  it('without its shovel step (blue-green-definitions-only) switches with every message left behind, and claims no move', async () => {
    const { blue, green } = clusters();
    const context = fakeContext(blue, { beside: async () => green });
    const recovery = new BlueGreenRecovery('4.3', { moveMessages: false });
    expect(recovery.name).toBe('blue-green-definitions-only');
    await recovery.prepare(context);
    expect(context.cluster).toBe(green);
    expect(green.callsOf('exec').some((call) => call.tool === 'rabbitmq-plugins')).toBe(false);
    expect(context.evidence).toContain('messages not moved: warren.ledger.classic.0 100, warren.ledger.quorum 100 left on the old cluster');
    expect(await recovery.evidence(context)).toEqual([]);
  });

  it('when green refuses the shovels: clears them, removes green at once, and keeps clients on blue', async () => {
    const { blue, green } = clusters({ shovelImportExit: 1 });
    const context = fakeContext(blue, { beside: async () => green });
    const recovery = new BlueGreenRecovery('4.3');
    await recovery.prepare(context);
    expect(context.cluster).toBe(blue);
    expect(green.callsOf('exec').filter((call) => call.args[0] === 'clear_parameter').map((call) => call.args[2])).toEqual(['warren-move-warren.ledger.classic.0', 'warren-move-warren.ledger.quorum']);
    expect(green.callsOf('teardown')).toHaveLength(1);
    expect(blue.callsOf('teardown')).toHaveLength(0);
    expect((await recovery.evidence(context))[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/^the shovels' import_definitions on green: exit 1/) });
  });

  it('has no proof without a prepared move (negative control)', () => {
    expect(movedRecord(undefined)).toMatchObject({ ok: false });
    expect(movedRecord({ moves: [] })).toMatchObject({ ok: false, reason: 'no queue held messages to move' });
  });
});

describe('moveShovel', () => {
  it('moves what the queue holds (then deletes itself), acknowledged at the source once confirmed, declaring with the queue\'s own arguments', () => {
    const definition = moveShovel({ host: '127.0.0.1', port: 5672 }, { host: '127.0.0.1', port: 5673 }, { username: 'u@x', password: 'p/w:d', erlangCookie: 'c' }, { name: 'q', arguments: { 'x-queue-type': 'quorum' } });
    expect(definition).toEqual({
      'src-protocol': 'amqp091',
      'src-uri': 'amqp://u%40x:p%2Fw%3Ad@127.0.0.1:5672',
      'src-queue': 'q',
      'src-queue-args': { 'x-queue-type': 'quorum' },
      'dest-protocol': 'amqp091',
      'dest-uri': 'amqp://u%40x:p%2Fw%3Ad@127.0.0.1:5673',
      'dest-queue': 'q',
      'dest-queue-args': { 'x-queue-type': 'quorum' },
      'ack-mode': 'on-confirm',
      'src-delete-after': 'queue-length',
    });
  });

  it('queueDepths reads list_queues name messages; a failing CLI throws', async () => {
    const cluster = new FakeCluster({ exec: () => json([{ name: 'a', messages: 3 }, { name: 'b', messages: '' }]) });
    expect(await queueDepths(cluster, 0)).toEqual(new Map([['a', 3], ['b', 0]]));
    const broken = new FakeCluster({ exec: () => ({ exitCode: 69, stdout: '', stderr: 'Error: unable to perform an operation on node' }) });
    await expect(queueDepths(broken, 0)).rejects.toThrow(/list_queues on node 0 failed: Error: unable/);
  });
});

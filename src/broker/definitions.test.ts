import { describe, expect, it } from 'vitest';
import { firstLine } from '../common/text.js';
import { withoutUsers, type Definitions } from './definitions.js';

/** An export as `rabbitmqctl export_definitions` gives it (trimmed), with the chart's user and an app user. */
function exported(): Definitions {
  return {
    rabbit_version: '3.10.8',
    rabbitmq_version: '3.10.8',
    users: [
      { name: 'user', password_hash: 'old-hash-of-the-chart-secret', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['administrator'] } as { name: string },
      { name: 'app', password_hash: 'app-hash', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] } as { name: string },
      { name: 'monitoring', password_hash: 'mon-hash', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['monitoring'] } as { name: string },
    ],
    vhosts: [{ name: '/' }, { name: '/yasu' }],
    permissions: [
      { user: 'user', vhost: '/', configure: '.*', write: '.*', read: '.*' } as { user: string; vhost: string },
      { user: 'app', vhost: '/yasu', configure: '.*', write: '.*', read: '.*' } as { user: string; vhost: string },
    ],
    queues: [
      { name: 'yasu.test.dlx', vhost: '/yasu', durable: true, arguments: { 'x-queue-type': 'quorum' } },
      { name: 'warren.ledger.classic.0', vhost: '/', durable: true },
    ],
    exchanges: [{ name: 'dlx', vhost: '/yasu', type: 'fanout', durable: true }],
    bindings: [],
    policies: [],
    global_parameters: [{ name: 'cluster_name', value: 'rabbit@prodmq-rabbitmq-0' }],
  };
}

describe('withoutUsers', () => {
  it('removes only the named users', () => {
    const result = withoutUsers(exported(), ['user']);
    expect(result.users?.map((user) => user.name)).toEqual(['app', 'monitoring']);
    // The users kept are the very same entries, hashes included.
    expect(result.users).toEqual(exported().users!.slice(1));
  });

  it('removes several users, and ignores names that are not in the export', () => {
    const result = withoutUsers(exported(), ['user', 'monitoring', 'nobody']);
    expect(result.users?.map((user) => user.name)).toEqual(['app']);
  });

  it('matches names exactly', () => {
    const result = withoutUsers(exported(), ['User', 'app ', 'mon']);
    expect(result.users?.map((user) => user.name)).toEqual(['user', 'app', 'monitoring']);
  });

  it('keeps every other section untouched: vhosts, permissions (even of removed users), queues and the rest', () => {
    const input = exported();
    const result = withoutUsers(input, ['user']);
    const { users: _dropped, ...rest } = result;
    const { users: _original, ...expected } = exported();
    expect(rest).toEqual(expected);
    expect(result.vhosts).toBe(input.vhosts);
    expect(result.permissions).toBe(input.permissions);
    expect(result.queues).toBe(input.queues);
    expect(result.permissions?.map((p) => p.user)).toEqual(['user', 'app']);
    expect(Object.keys(result)).toEqual(Object.keys(input));
  });

  it('does not mutate its input', () => {
    const input = exported();
    const frozenCopy = structuredClone(input);
    const result = withoutUsers(input, ['user', 'app']);
    expect(input).toEqual(frozenCopy);
    expect(input.users).toHaveLength(3);
    expect(result).not.toBe(input);
    expect(result.users).not.toBe(input.users);
  });

  it('with no names keeps every user (as a new array)', () => {
    const input = exported();
    const result = withoutUsers(input, []);
    expect(result).toEqual(input);
    expect(result.users).not.toBe(input.users);
  });

  it('gives an empty users section for an export without one', () => {
    const { users: _none, ...noUsers } = exported();
    const result = withoutUsers(noUsers, ['user']);
    expect(result.users).toEqual([]);
    expect(result.queues).toEqual(exported().queues);
  });
});

describe('firstLine', () => {
  it('is the first non-blank line, trimmed at the ends of the text', () => {
    expect(firstLine('\n\n  Error: unable to perform an operation on node \'rabbit@x\'.\nDIAGNOSTICS\n===========\n')).toBe(
      "Error: unable to perform an operation on node 'rabbit@x'.",
    );
  });

  it('skips lines holding only whitespace', () => {
    expect(firstLine('   \n \t \nsecond\nthird')).toBe('second');
    expect(firstLine('first\n   \nsecond')).toBe('first');
  });

  it('keeps a single line as it is (inner spacing included)', () => {
    expect(firstLine('Error:  two  spaces')).toBe('Error:  two  spaces');
  });

  it('says "no output" for empty or blank text', () => {
    expect(firstLine('')).toBe('no output');
    expect(firstLine('  \n\t\n ')).toBe('no output');
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { ExecResult, StartedCluster } from '../core/platform.js';
import { detectRabbitMq, khepriPossible, metadataStoreFrom } from './rabbitmq-info.js';

describe('khepriPossible', () => {
  it.each([
    ['3.8.9', false],
    ['3.10.8', false],
    ['3.12.14', false],
    ['3.13.0', true],
    ['3.13.7', true],
    ['4.0.5', true],
    ['4.2.0', true],
    ['4.2.1', true],
    ['10.0.0', true],
  ])('%s → %s', (version, expected) => {
    expect(khepriPossible(version)).toBe(expected);
  });

  it("rules Khepri out for Debian's 3.10.8, which can only be Mnesia", () => {
    expect(khepriPossible('3.10.8')).toBe(false);
  });

  it('reads minor versions as numbers, not text (3.9 < 3.13 < 3.100)', () => {
    expect(khepriPossible('3.9.29')).toBe(false);
    expect(khepriPossible('3.100.0')).toBe(true);
    expect(khepriPossible('2.99.0')).toBe(false);
  });

  it('reads versions with a suffix by their major.minor', () => {
    expect(khepriPossible('3.10.8+1')).toBe(false);
    expect(khepriPossible('4.1.0-rc.1')).toBe(true);
  });

  it('cannot rule Khepri out for a version it cannot read', () => {
    expect(khepriPossible('unknown')).toBe(true);
    expect(khepriPossible('')).toBe(true);
  });
});

describe('metadataStoreFrom', () => {
  it('is khepri only when the khepri_db feature flag is enabled', () => {
    expect(metadataStoreFrom([{ name: 'quorum_queue', state: 'enabled' }, { name: 'khepri_db', state: 'enabled' }])).toBe('khepri');
  });

  it('is mnesia when khepri_db is disabled or absent', () => {
    expect(metadataStoreFrom([{ name: 'khepri_db', state: 'disabled' }, { name: 'quorum_queue', state: 'enabled' }])).toBe('mnesia');
    expect(metadataStoreFrom([{ name: 'quorum_queue', state: 'enabled' }])).toBe('mnesia');
    expect(metadataStoreFrom([])).toBe('mnesia');
  });

  it('is mnesia while khepri_db is only being enabled, and for another flag that is enabled', () => {
    expect(metadataStoreFrom([{ name: 'khepri_db', state: 'state_changing' }])).toBe('mnesia');
    expect(metadataStoreFrom([{ name: 'khepri_db_v2', state: 'enabled' }])).toBe('mnesia');
  });
});

/** Only exec is used by detectRabbitMq; it answers `list_feature_flags` with `result`. */
function clusterAnswering(result: ExecResult) {
  const exec = vi.fn(async (_ordinal: number, _tool: string, _args: string[], _options?: { timeoutMs?: number }) => result);
  return { cluster: { exec } as unknown as StartedCluster, exec };
}

describe('detectRabbitMq', () => {
  const khepriFlags = JSON.stringify([
    { name: 'khepri_db', state: 'enabled' },
    { name: 'quorum_queue', state: 'enabled' },
  ]);

  it('does not ask a 3.10.8 broker: it can only be Mnesia', async () => {
    const { cluster, exec } = clusterAnswering({ exitCode: 0, stdout: khepriFlags, stderr: '' });
    expect(await detectRabbitMq(cluster, '3.10.8')).toEqual({ version: '3.10.8', metadataStore: 'mnesia', erlang: null });
    expect(exec).not.toHaveBeenCalled();
  });

  it('asks node 0 for the feature flags on 4.x and reads khepri_db', async () => {
    const { cluster, exec } = clusterAnswering({ exitCode: 0, stdout: khepriFlags, stderr: '' });
    expect(await detectRabbitMq(cluster, '4.2.0')).toEqual({ version: '4.2.0', metadataStore: 'khepri', erlang: null });
    expect(exec).toHaveBeenCalledTimes(1);
    const [ordinal, tool, args] = exec.mock.calls[0]!;
    expect(ordinal).toBe(0);
    expect(tool).toBe('rabbitmqctl');
    expect(args).toEqual(['list_feature_flags', 'name', 'state', 'stability', '--formatter', 'json']);
  });

  it('is mnesia on 3.13 with khepri_db disabled', async () => {
    const { cluster } = clusterAnswering({ exitCode: 0, stdout: JSON.stringify([{ name: 'khepri_db', state: 'disabled' }]), stderr: '' });
    expect(await detectRabbitMq(cluster, '3.13.7')).toEqual({ version: '3.13.7', metadataStore: 'mnesia', erlang: null });
  });

  it('does not know the store when the CLI fails', async () => {
    const { cluster } = clusterAnswering({ exitCode: 69, stdout: '', stderr: 'Error: unable to perform an operation on node' });
    expect(await detectRabbitMq(cluster, '4.2.0')).toEqual({ version: '4.2.0', metadataStore: null, erlang: null });
  });
});

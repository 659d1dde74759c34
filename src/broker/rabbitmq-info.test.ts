import { describe, expect, it } from 'vitest';
import { khepriPossible, metadataStoreFrom } from './rabbitmq-info.js';

describe('khepriPossible', () => {
  it.each([
    ['3.8.9', false],
    ['3.10.8', false],
    ['3.12.14', false],
    ['3.13.0', true],
    ['4.0.5', true],
    ['4.2.1', true],
    ['10.0.0', true],
  ])('%s → %s', (version, expected) => {
    expect(khepriPossible(version)).toBe(expected);
  });

  it('cannot rule Khepri out for a version it cannot read', () => {
    expect(khepriPossible('unknown')).toBe(true);
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
});

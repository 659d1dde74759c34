import { describe, expect, it } from 'vitest';
import { forceBootNotApplicable } from './force-load.js';

describe('forceBootNotApplicable', () => {
  it('refuses on Khepri, saying why and on which version', () => {
    const reason = forceBootNotApplicable({ version: '4.2.1', metadataStore: 'khepri' });
    expect(reason).toMatch(/Khepri/);
    expect(reason).toContain('4.2.1');
    expect(reason).toContain('force_boot');
  });

  it('applies on Mnesia (Debian’s 3.10.8)', () => {
    expect(forceBootNotApplicable({ version: '3.10.8', metadataStore: 'mnesia' })).toBeUndefined();
  });

  it('does not refuse when the store is unknown', () => {
    expect(forceBootNotApplicable({ version: null, metadataStore: null })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { newMethodReport, type MethodOutcome, type MethodReport } from '../core/journal.js';
import { runOutcome } from './runner.js';

function method(name: string, outcome: MethodOutcome, passed: boolean): MethodReport {
  return { ...newMethodReport({ method: name, description: '', mechanism: '', expected: { outcome: 'recovered', messages: 'kept' } }), outcome, passed };
}

const passedNone = method('none', 'not-recovered', true);
const passedForceBoot = method('force-boot', 'recovered', true);
const deviated = method('force-load-file', 'not-recovered', false);
const broke = method('parallel-restart', 'error', false);

describe('runOutcome', () => {
  it('passes when every method met its expectation, whatever that was', () => {
    expect(runOutcome([passedNone, passedForceBoot, method('x', 'not-applicable', true)], false)).toBe('passed');
  });

  it('fails when a method deviated from its expectation', () => {
    expect(runOutcome([passedNone, deviated, passedForceBoot], false)).toBe('deviated');
  });

  it('is an error when warren itself broke, even next to a deviation', () => {
    expect(runOutcome([deviated, broke], false)).toBe('error');
    expect(runOutcome([passedNone, broke], false)).toBe('error');
  });

  it('is interrupted above everything else', () => {
    expect(runOutcome([deviated, broke], true)).toBe('interrupted');
    expect(runOutcome([], true)).toBe('interrupted');
  });
});

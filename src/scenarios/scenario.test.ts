import { describe, expect, it } from 'vitest';
import { NoRecovery } from '../recoveries/no-recovery.js';
import type { Fault } from '../faults/fault.js';
import type { Expectation } from '../core/journal.js';
import { defineScenario } from './scenario.js';

const fault: Fault = { name: 'fake', description: 'fake', requires: [], inject: async () => ({ revert: async () => {}, [Symbol.asyncDispose]: async () => {} }) };

describe('defineScenario', () => {
  it('refuses a negative control that does not name the diagnosis that must explain the outage', () => {
    const vague = { outcome: 'not-recovered', diagnoses: [] } as unknown as Expectation;
    expect(() => defineScenario({ name: 'vague', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: vague }] })).toThrow(
      'scenario vague: method none expects not-recovered on 3.10/mnesia without naming the diagnosis that must explain it',
    );
    const old = { outcome: 'not-recovered' } as unknown as Expectation;
    expect(() => defineScenario({ name: 'old', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: old }] })).toThrow('scenario old: method none on 3.10/mnesia: not-recovered needs diagnoses, a list of signature names');
  });

  it('accepts a negative control with its diagnoses', () => {
    const scenario = defineScenario({ name: 'named', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] } }] });
    expect(scenario.name).toBe('named');
  });
});

import { describe, expect, it } from 'vitest';
import { NoRecovery } from '../recoveries/no-recovery.js';
import type { Fault } from '../faults/fault.js';
import type { Expectation } from '../core/journal.js';
import { Expect } from './methods.js';
import { defineScenario, expectationOn } from './scenario.js';

const fault: Fault = { name: 'fake', description: 'fake', requires: [], inject: async () => ({ revert: async () => {}, [Symbol.asyncDispose]: async () => {} }) };

describe('defineScenario', () => {
  it('refuses a negative control that does not name the diagnosis that must explain the outage', () => {
    const vague = { outcome: 'not-recovered', diagnoses: [] } as unknown as Expectation;
    expect(() => defineScenario({ name: 'vague', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: vague }] })).toThrow(
      'scenario vague: method none expects not-recovered on 3.10/mnesia (OrderedReady) without naming the diagnosis that must explain it',
    );
    const old = { outcome: 'not-recovered' } as unknown as Expectation;
    expect(() => defineScenario({ name: 'old', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: old }] })).toThrow('scenario old: method none on 3.10/mnesia (OrderedReady): not-recovered needs diagnoses, a list of signature names');
  });

  it('resolves an expectation per start policy on a release, and checks each branch', () => {
    const expected = Expect.byRelease({ '4.0/mnesia': Expect.byStartPolicy({ OrderedReady: Expect.staysDown('method-outlasted-deadline'), Parallel: Expect.recovers() }), '4.3/khepri': Expect.recovers() });
    expect(expectationOn(expected, '4.0/mnesia', 'OrderedReady')).toEqual({ outcome: 'not-recovered', diagnoses: ['method-outlasted-deadline'] });
    expect(expectationOn(expected, '4.0/mnesia', 'Parallel')).toEqual({ outcome: 'recovered', messages: 'kept' });
    // A plain expectation is OrderedReady's (runs under warren's default): under Parallel it judges nothing.
    expect(expectationOn(expected, '4.3/khepri', 'OrderedReady')).toEqual({ outcome: 'recovered', messages: 'kept' });
    expect(expectationOn(expected, '4.3/khepri', 'Parallel')).toBeUndefined();
    expect(expectationOn(Expect.byRelease({ '4.3/khepri': Expect.underEitherStartPolicy(Expect.recovers()) }), '4.3/khepri', 'Parallel')).toEqual({ outcome: 'recovered', messages: 'kept' });
    expect(expectationOn(expected, '3.10/mnesia', 'Parallel')).toBeUndefined();
    const vague = Expect.byRelease({ '4.0/mnesia': Expect.byStartPolicy({ OrderedReady: { outcome: 'not-recovered', diagnoses: [] } as unknown as Expectation, Parallel: Expect.recovers() }) });
    expect(() => defineScenario({ name: 'vague', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: vague }] })).toThrow(
      'scenario vague: method none expects not-recovered on 4.0/mnesia (OrderedReady) without naming the diagnosis that must explain it',
    );
  });

  it('accepts a negative control with its diagnoses', () => {
    const scenario = defineScenario({ name: 'named', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] } }] });
    expect(scenario.name).toBe('named');
  });

  it('accepts a race with its why and both branches, and refuses one without', () => {
    const race: Expectation = { outcome: 'race', why: 'which node stopped last', recovered: { outcome: 'recovered', messages: 'kept' }, notRecovered: { outcome: 'not-recovered', diagnoses: ['ordered-ready-deadlock'] } };
    expect(defineScenario({ name: 'race', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: race }] }).name).toBe('race');
    const define = (expected: unknown) => () => defineScenario({ name: 'race', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: expected as Expectation }] });
    expect(define({ ...race, why: ' ' })).toThrow('a race needs `why`: what the race is');
    expect(define({ ...race, notRecovered: { outcome: 'recovered', messages: 'kept' } })).toThrow('a race needs a recovered and a not-recovered branch');
    expect(define({ ...race, notRecovered: { outcome: 'not-recovered', diagnoses: [] } })).toThrow('expects not-recovered on 3.10/mnesia (OrderedReady) without naming the diagnosis');
  });

  it('accepts a not-applicable expectation with its why, and refuses one without', () => {
    const define = (expected: unknown) => () => defineScenario({ name: 'na', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: expected as Expectation }] });
    expect(define({ outcome: 'not-applicable', why: 'classic queue mirroring was removed in RabbitMQ 4.0' })().name).toBe('na');
    expect(define({ outcome: 'not-applicable', why: '' })).toThrow('not-applicable needs `why`');
  });

  it('refuses a requires entry that is no capability (a JavaScript caller, an old name), naming the valid ones', () => {
    const old = { ...fault, requires: ['kill-all-pods'] } as unknown as Fault;
    expect(() => defineScenario({ name: 'old', description: '', fault: old, methods: [{ recovery: new NoRecovery(), expected: { outcome: 'recovered', messages: 'kept' } }] })).toThrow(
      'scenario old: fault fake requires kill-all-pods, which is no capability (statefulset, release, volume-files, image)',
    );
  });

  it("refuses checks of a scenario's own that are not checks, repeat a name or take warren's", () => {
    const check = (name: string) => ({ name, observe: async () => 1, evaluate: () => ({ ok: true }) });
    const base = { name: 'own', description: '', fault, methods: [{ recovery: new NoRecovery(), expected: { outcome: 'recovered', messages: 'kept' } as Expectation }] };
    expect(defineScenario({ ...base, checks: { steadyState: [check('mine')], verify: [check('also-mine')] } }).name).toBe('own');
    expect(() => defineScenario({ ...base, checks: { verify: check('x') as never } })).toThrow('scenario own: checks.verify must be a list of checks');
    expect(() => defineScenario({ ...base, checks: { verify: [{ name: 'x' } as never] } })).toThrow('scenario own: every check in checks.verify needs a name, observe() and evaluate()');
    expect(() => defineScenario({ ...base, checks: { verify: [check('put-get')] } })).toThrow("scenario own: check name put-get is warren's own; give yours another");
    expect(() => defineScenario({ ...base, checks: { steadyState: [check('mine')], verify: [check('mine')] } })).toThrow('scenario own: check mine listed twice');
  });
});

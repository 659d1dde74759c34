import { RELEASES, releaseKey, type ReleaseKey } from '../core/rabbitmq-release.js';
import type { Check } from '../checks/check.js';
import type { Fault } from '../faults/fault.js';
import type { Rollout } from '../faults/mismatched-cookie-fault.js';
import type { Recovery } from '../recoveries/recovery.js';
import type { Expectation } from '../core/journal.js';

/**
 * One expectation per release (series × metadata store), each written from a real run on it. A release left out
 * has not been drilled yet: warren refuses to run the method there rather than judge it by a guess.
 */
export type ExpectationsByRelease = Readonly<Partial<Record<ReleaseKey, Expectation>>>;

export interface ScenarioMethod {
  recovery: Recovery;
  /**
   * A hypothesis: a drill whose reality differs fails, and the report shows the difference. One for every release
   * (`Expect.byRelease`), or one that holds on every release.
   */
  expected: Expectation | ExpectationsByRelease;
}

/** The expectation a method is judged by on `release`, or undefined when it has none there (never drilled on it). */
export function expectationOn(expected: ScenarioMethod['expected'], release: ReleaseKey): Expectation | undefined {
  return 'outcome' in expected ? (expected as Expectation) : expected[release];
}

export interface Scenario {
  name: string;
  description: string;
  fault: Fault;
  methods: ScenarioMethod[];
  /** For a fault that replaces the release: how this scenario does it (`--rollout`). */
  rollout?: Rollout;
  /** The same scenario with another `--rollout`, and its own expectations. */
  variants?: Partial<Record<Rollout, Scenario>>;
  /**
   * Checks of your own, beside warren's (put/get, membership, quorum members, definitions, the ledger):
   * `steadyState` ones must pass before the fault (else the drill cannot start: an error), `verify` ones after
   * a recovery, where a failure means not recovered.
   */
  checks?: { steadyState?: readonly Check<unknown>[]; verify?: readonly Check<unknown>[] };
}

/**
 * Checks a scenario once, where it is written: each method listed once, every expectation well formed (also when
 * it comes from JavaScript, which no type checker saw), per release only for releases warren knows, and every
 * negative control naming the diagnosis that must explain the outage (an expectation of "stays down" for any
 * reason would pass a port clash).
 * @throws TypeError naming the scenario and method.
 */
export function defineScenario(scenario: Scenario): Scenario {
  const names = scenario.methods.map((method) => method.recovery.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new TypeError(`scenario ${scenario.name}: method ${duplicate} listed twice`);
  const known: readonly string[] = RELEASES.map(releaseKey);
  for (const { recovery, expected: byRelease } of scenario.methods) {
    const where = `scenario ${scenario.name}: method ${recovery.name}`;
    if (typeof byRelease !== 'object' || byRelease === null) throw new TypeError(`${where} has no expectation`);
    if (!('outcome' in byRelease)) {
      const unknown = Object.keys(byRelease).filter((key) => !known.includes(key));
      if (unknown.length > 0) throw new TypeError(`${where}: no release ${unknown.join(', ')}; releases: ${known.join(', ')}`);
    }
    for (const release of RELEASES.map(releaseKey)) {
      const expected = expectationOn(byRelease, release);
      if (expected === undefined) continue;
      const problem = expectationProblem(expected);
      if (problem) throw new TypeError(`${where} on ${release}: ${problem}`);
      if (expected.outcome === 'not-recovered' && expected.diagnoses.length === 0) {
        throw new TypeError(`${where} expects not-recovered on ${release} without naming the diagnosis that must explain it`);
      }
    }
  }
  for (const variant of Object.values(scenario.variants ?? {})) defineScenario(variant);
  return scenario;
}

/** What is wrong with a value used as an expectation (Expect.recovers(), Expect.staysDown(...)), or undefined. */
function expectationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `the expectation is ${JSON.stringify(value)}, not one of Expect's`;
  const candidate = value as { outcome?: unknown; messages?: unknown; diagnoses?: unknown };
  if (candidate.outcome === 'recovered') return candidate.messages === 'kept' || candidate.messages === 'lost' ? undefined : `recovered needs messages 'kept' or 'lost', got ${JSON.stringify(candidate.messages)}`;
  if (candidate.outcome === 'not-recovered') {
    return Array.isArray(candidate.diagnoses) && candidate.diagnoses.every((d) => typeof d === 'string') ? undefined : 'not-recovered needs diagnoses, a list of signature names';
  }
  return `outcome must be 'recovered' or 'not-recovered', got ${JSON.stringify(candidate.outcome)}`;
}

/** The scenario and each of its variants: what `all` runs and `list` shows. */
export function withVariants(scenario: Scenario): Scenario[] {
  return [scenario, ...Object.values(scenario.variants ?? {})];
}

/** A scenario's display name: `mismatched-cookie --rollout rolling` for a variant. */
export function scenarioLabel(scenario: Scenario): string {
  return scenario.variants === undefined && scenario.rollout ? `${scenario.name} --rollout ${scenario.rollout}` : scenario.name;
}

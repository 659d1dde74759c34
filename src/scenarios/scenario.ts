import { RELEASES, releaseKey, type ReleaseKey } from '../core/rabbitmq-release.js';
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
}

/**
 * Checks a scenario once, where it is written: each method listed once, and every negative control naming the
 * diagnosis that must explain the outage (an expectation of "stays down" for any reason would pass a port clash).
 * @throws TypeError naming the scenario and method.
 */
export function defineScenario(scenario: Scenario): Scenario {
  const names = scenario.methods.map((method) => method.recovery.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new TypeError(`scenario ${scenario.name}: method ${duplicate} listed twice`);
  for (const { recovery, expected: byRelease } of scenario.methods) {
    for (const release of RELEASES.map(releaseKey)) {
      const expected = expectationOn(byRelease, release);
      if (expected === undefined) continue;
      if (expected.outcome === 'not-recovered' && (!Array.isArray(expected.diagnoses) || expected.diagnoses.length === 0)) {
        throw new TypeError(`scenario ${scenario.name}: method ${recovery.name} expects not-recovered on ${release} without naming the diagnosis that must explain it`);
      }
    }
  }
  for (const variant of Object.values(scenario.variants ?? {})) defineScenario(variant);
  return scenario;
}

/** The scenario and each of its variants: what `all` runs and `list` shows. */
export function withVariants(scenario: Scenario): Scenario[] {
  return [scenario, ...Object.values(scenario.variants ?? {})];
}

/** A scenario's display name: `mismatched-cookie --rollout rolling` for a variant. */
export function scenarioLabel(scenario: Scenario): string {
  return scenario.variants === undefined && scenario.rollout ? `${scenario.name} --rollout ${scenario.rollout}` : scenario.name;
}

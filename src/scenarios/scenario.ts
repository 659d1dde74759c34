import type { Fault } from '../faults/fault.js';
import type { Rollout } from '../faults/mismatched-cookie-fault.js';
import type { Recovery } from '../recoveries/recovery.js';
import type { Expectation } from '../run/journal.js';

export interface ScenarioMethod {
  recovery: Recovery;
  /** A hypothesis: a drill whose reality differs fails, and the report shows the difference. */
  expected: Expectation;
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
  for (const { recovery, expected } of scenario.methods) {
    if (expected.outcome === 'not-recovered' && (!Array.isArray(expected.diagnoses) || expected.diagnoses.length === 0)) {
      throw new TypeError(`scenario ${scenario.name}: method ${recovery.name} expects not-recovered without naming the diagnosis that must explain it`);
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

import type { Fault } from '../faults/fault.js';
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
}

export function defineScenario(scenario: Scenario): Scenario {
  const names = scenario.methods.map((method) => method.recovery.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new TypeError(`scenario ${scenario.name}: method ${duplicate} listed twice`);
  return scenario;
}

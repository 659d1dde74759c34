import { CAPABILITIES, START_POLICIES, type StartPolicy } from '../core/platform.js';
import { RELEASES, releaseKey, type ReleaseKey } from '../core/rabbitmq-release.js';
import type { Check } from '../checks/check.js';
import type { Fault } from '../faults/fault.js';
import type { Recovery } from '../recoveries/recovery.js';
import { expectationFor, type Expectation } from '../core/journal.js';

/**
 * One expectation per release (series × metadata store), each written from a real run on it. A release left out
 * has not been drilled yet: warren refuses to run the method there rather than judge it by a guess.
 */
export type ExpectationsByRelease = Readonly<Partial<Record<ReleaseKey, Expectation | ExpectationsByStartPolicy>>>;

/**
 * One expectation per podManagementPolicy on a release, where real runs differ by it (4.0.5: a fresh pod 0 alone
 * under OrderedReady is still in peer discovery at the deadline; under Parallel the cluster forms). A policy left
 * out has no expectation there yet: the method is not drilled under it.
 */
export interface ExpectationsByStartPolicy {
  readonly byStartPolicy: Readonly<Partial<Record<StartPolicy, Expectation>>>;
}

export interface ScenarioMethod {
  recovery: Recovery;
  /**
   * A hypothesis: a drill whose reality differs fails, and the report shows the difference. One for every release
   * (`Expect.byRelease`), or one that holds on every release.
   */
  expected: Expectation | ExpectationsByRelease;
}

/**
 * The expectation a method is judged by on `release` under the StatefulSet's `startPolicy`, or undefined when it has
 * none there (never drilled on it). A plain expectation was written from runs under OrderedReady (warren's default,
 * the Bitnami chart's): under Parallel, where a whole-cluster outage can come back by itself, only an expectation
 * that names Parallel (`Expect.byStartPolicy`, `Expect.underEitherStartPolicy`) judges a drill.
 */
export function expectationOn(expected: ScenarioMethod['expected'], release: ReleaseKey, startPolicy: StartPolicy): Expectation | undefined {
  const onRelease = 'outcome' in expected ? (expected as Expectation) : expected[release];
  // A JavaScript caller may put anything here: only an object can be per start policy (the rest is checked later).
  if (typeof onRelease === 'object' && onRelease !== null && 'byStartPolicy' in onRelease) return onRelease.byStartPolicy[startPolicy];
  return startPolicy === 'OrderedReady' ? onRelease : undefined;
}

/** The command-line option that picks one variant of a scenario, and its value: `{ option: '--rollout', value: 'rolling' }`. */
export interface VariantSelector {
  /** `--rollout`: how a fault replaces the release (mismatched-cookie); `--to`: the series an upgrade moves to. */
  option: '--rollout' | '--to';
  value: string;
}

export interface Scenario {
  name: string;
  description: string;
  fault: Fault;
  methods: ScenarioMethod[];
  /**
   * For a scenario with variants: the option that picks this one and its value here (`--rollout rolling`,
   * `--to 4.0`). The base scenario has one too: its value is what the option means when not given.
   */
  variant?: VariantSelector;
  /** The same scenario with another value of `variant.option`, each with its own expectations, by that value. */
  variants?: Readonly<Record<string, Scenario>>;
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
  const unknownNeed = (requires: unknown): string[] =>
    Array.isArray(requires) ? requires.filter((capability) => !(CAPABILITIES as readonly unknown[]).includes(capability)).map(String) : ['(not a list)'];
  const faultNeeds = unknownNeed(scenario.fault.requires);
  if (faultNeeds.length > 0) throw new TypeError(`scenario ${scenario.name}: fault ${scenario.fault.name} requires ${faultNeeds.join(', ')}, which is no capability (${CAPABILITIES.join(', ')})`);
  for (const { recovery } of scenario.methods) {
    const needs = unknownNeed(recovery.requires);
    if (needs.length > 0) throw new TypeError(`scenario ${scenario.name}: method ${recovery.name} requires ${needs.join(', ')}, which is no capability (${CAPABILITIES.join(', ')})`);
  }
  checkOwnChecks(scenario);
  for (const { recovery, expected: byRelease } of scenario.methods) {
    const where = `scenario ${scenario.name}: method ${recovery.name}`;
    if (typeof byRelease !== 'object' || byRelease === null) throw new TypeError(`${where} has no expectation`);
    if (!('outcome' in byRelease)) {
      const unknown = Object.keys(byRelease).filter((key) => !known.includes(key));
      if (unknown.length > 0) throw new TypeError(`${where}: no release ${unknown.join(', ')}; releases: ${known.join(', ')}`);
    }
    for (const release of RELEASES.map(releaseKey)) {
      for (const policy of START_POLICIES) {
        const expected = expectationOn(byRelease, release, policy);
        if (expected === undefined) continue;
        const problem = expectationProblem(expected);
        if (problem) throw new TypeError(`${where} on ${release} (${policy}): ${problem}`);
        const ifDown = expectationFor(expected, 'not-recovered');
        if (ifDown.outcome === 'not-recovered' && ifDown.diagnoses.length === 0) {
          throw new TypeError(`${where} expects not-recovered on ${release} (${policy}) without naming the diagnosis that must explain it`);
        }
      }
    }
  }
  for (const variant of Object.values(scenario.variants ?? {})) defineScenario(variant);
  return scenario;
}

/** warren's own check names: a scenario's checks must not take them (their verdicts would mix). */
const RESERVED_CHECKS = ['put-get', 'cluster-membership', 'quorum-members', 'definitions', 'message-ledger'];

/** A scenario's own checks: arrays of checks with a name, observe() and evaluate(), each name used once and not warren's. */
function checkOwnChecks(scenario: Scenario): void {
  const names: string[] = [];
  for (const when of ['steadyState', 'verify'] as const) {
    const checks: unknown = scenario.checks?.[when];
    if (checks === undefined) continue;
    if (!Array.isArray(checks)) throw new TypeError(`scenario ${scenario.name}: checks.${when} must be a list of checks`);
    for (const check of checks as Partial<Check<unknown>>[]) {
      if (typeof check?.name !== 'string' || typeof check.observe !== 'function' || typeof check.evaluate !== 'function') {
        throw new TypeError(`scenario ${scenario.name}: every check in checks.${when} needs a name, observe() and evaluate()`);
      }
      if (RESERVED_CHECKS.includes(check.name) || check.name.startsWith('force-')) throw new TypeError(`scenario ${scenario.name}: check name ${check.name} is warren's own; give yours another`);
      if (names.includes(check.name)) throw new TypeError(`scenario ${scenario.name}: check ${check.name} listed twice`);
      names.push(check.name);
    }
  }
}

/** What is wrong with a value used as an expectation (Expect.recovers(), Expect.staysDown(...), Expect.race(...), Expect.notApplicable(...)), or undefined. */
function expectationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `the expectation is ${JSON.stringify(value)}, not one of Expect's`;
  const candidate = value as { outcome?: unknown; messages?: unknown; diagnoses?: unknown; recovered?: unknown; notRecovered?: unknown; why?: unknown };
  if (candidate.outcome === 'race') {
    if (typeof candidate.why !== 'string' || candidate.why.trim() === '') return 'a race needs `why`: what the race is';
    const recovered = candidate.recovered as { outcome?: unknown } | undefined;
    const notRecovered = candidate.notRecovered as { outcome?: unknown } | undefined;
    if (recovered?.outcome !== 'recovered' || notRecovered?.outcome !== 'not-recovered') return 'a race needs a recovered and a not-recovered branch';
    return expectationProblem(recovered) ?? expectationProblem(notRecovered);
  }
  if (candidate.outcome === 'not-applicable') return typeof candidate.why === 'string' && candidate.why.trim() !== '' ? undefined : 'not-applicable needs `why`: what makes the fault impossible there';
  if (candidate.outcome === 'recovered') return candidate.messages === 'kept' || candidate.messages === 'lost' ? undefined : `recovered needs messages 'kept' or 'lost', got ${JSON.stringify(candidate.messages)}`;
  if (candidate.outcome === 'not-recovered') {
    return Array.isArray(candidate.diagnoses) && candidate.diagnoses.every((d) => typeof d === 'string') ? undefined : 'not-recovered needs diagnoses, a list of signature names';
  }
  return `outcome must be 'recovered', 'not-recovered', 'race' or 'not-applicable', got ${JSON.stringify(candidate.outcome)}`;
}

/** The scenario and each of its variants: what `all` runs and `list` shows. */
export function withVariants(scenario: Scenario): Scenario[] {
  return [scenario, ...Object.values(scenario.variants ?? {})];
}

/** A scenario's display name: `mismatched-cookie --rollout rolling` for a variant (the base keeps its bare name). */
export function scenarioLabel(scenario: Scenario): string {
  return isVariant(scenario) ? `${scenario.name} ${scenario.variant!.option} ${scenario.variant!.value}` : scenario.name;
}

/** Whether `scenario` is a variant of another (it has a selector and no variants of its own). */
export function isVariant(scenario: Scenario): boolean {
  return scenario.variants === undefined && scenario.variant !== undefined;
}

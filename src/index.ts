/**
 * warren as a library: the same drills the CLI runs, for a program or a test suite.
 *
 * - Write a scenario with {@link defineScenario}: a {@link Fault} (whose `inject` returns an {@link ActiveFault})
 *   and methods, each a {@link Recovery} with its {@link Expectation} (`method(recovery, Expect.recovers())`),
 *   optionally with checks of your own (`checks: { steadyState, verify }`). Export it as a module's default and
 *   `warren scenario ./my-outage.ts` runs it (examples/delete-one-pod.ts; README "Write your own drill").
 * - A fault or method gets a {@link DrillContext}: its cluster is the core {@link StartedCluster}; what it needs
 *   beyond (a {@link Capability}: StatefulSet, release, volume files) it lists in `requires` and takes with
 *   {@link need}; a platform without it makes the drill not-applicable.
 * - Run it from code with {@link runCli} (`runCli(['scenario', 'my-outage'], new Map([['my-outage', scenario]]))`
 *   resolves to the CLI's exit code) or with {@link runScenario} on a {@link Platform} of your own; either way the
 *   journal ({@link RunReport}) is what report.json holds.
 * - A {@link Check} observes and then evaluates to a {@link Verdict}; {@link runCheck} records it.
 * - Errors: a {@link UsageError} is the caller's mistake (exit 2), any other {@link HarnessError} means the
 *   environment or warren broke (exit 3); a cluster that fails a drill is a verdict, never an exception.
 *
 * This is the first, small public surface; everything else under `src/` may still change.
 */

// Scenarios and their methods
export { defineScenario, expectationOn, scenarioLabel, withVariants, type ExpectationsByRelease, type ExpectationsByStartPolicy, type Scenario, type ScenarioMethod, type VariantSelector } from './scenarios/scenario.js';
export { RELEASES, releaseKey, releasesFor, SUPPORTED_STORES, type MetadataStore, type RabbitMqInfo, type RabbitMqRelease, type RabbitMqSeries, type ReleaseKey } from './core/rabbitmq-release.js';
export { Expect, method, Recoveries } from './scenarios/methods.js';
export { SCENARIOS } from '../scenarios/registry.js';

// Faults, recoveries, checks
export { irreversible, type ActiveFault, type Fault } from './faults/fault.js';
export type { Recovery } from './recoveries/recovery.js';
export { runCheck, type Check, type Verdict } from './checks/check.js';
export type { DrillContext } from './core/drill-context.js';

// Platforms: a core cluster, and optional capabilities (interfaces) a fault or method lists in `requires`
export { CAPABILITIES, capabilitiesOf, hasCapability, need } from './core/platform.js';
export type {
  Capability,
  CapabilityInterfaces,
  ReleaseControl,
  StatefulSetControl,
  VolumeFiles,
  ClusterNode,
  ClusterSpec,
  ExecResult,
  Platform,
  PlatformName,
  PodStatus,
  ProvisionContext,
  StartedCluster,
  StartPolicy,
} from './core/platform.js';

// Running, and what a run reports
export { runScenario, type RunOptions, type RunResult } from './run/runner.js';
export { Redactor } from './common/secrets.js';
export { RunEvents } from './run/events.js';
export { tallyMethods, tallyText } from './core/journal.js';
export type { CheckRecord, Expectation, MethodOutcome, MethodReport, MethodTally, NotApplicableExpectation, NotRecoveredExpectation, RaceExpectation, RecoveredExpectation, RunOutcome, RunReport, StepName, StepRecord } from './core/journal.js';
export { runCli, EXIT, exitCodeForOutcome } from './cli/cli.js';

// Errors
export { ClusterCommandError, EnvironmentError, HarnessError, RunInterruptedError, UsageError, WaitTimeoutError } from './common/errors.js';

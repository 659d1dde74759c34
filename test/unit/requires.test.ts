import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/core/platform.js';
import { withVariants } from '../../src/scenarios/scenario.js';
import { SCENARIOS } from '../../scenarios/registry.js';
import { FakeCluster, fakeContext } from '../support/fake-cluster.js';

/**
 * Every built-in fault and method lists in `requires` each capability its code uses: run on a cluster that has
 * exactly those (the others' methods absent), none of its steps reaches for a missing one, as far as each gets in
 * 300 ms on the fake; each part of a method (prepare, apply, finish, evidence) runs on its own. Other failures (the fake
 * serves no AMQP, a wait cut short) do not matter here; only `need`'s "has no … capability" does.
 */
const MISSING = /has no [a-z-]+ capability|is not a function|Cannot read properties of undefined/;

async function settle(step: () => Promise<unknown>, ms = 300): Promise<unknown> {
  return Promise.race([step().then(() => undefined, (error: unknown) => error), new Promise((resolve) => setTimeout(resolve, ms))]);
}

const steps = [...SCENARIOS.values()].flatMap(withVariants).flatMap((scenario) => [
  { what: `${scenario.name}: fault ${scenario.fault.name}`, requires: scenario.fault.requires, run: (c: ReturnType<typeof fakeContext>) => scenario.fault.inject(c) },
  // Each part of a method on its own, so a later part is reached even when an earlier one waits.
  ...scenario.methods.flatMap(({ recovery }) =>
    (['prepare', 'apply', 'finish', 'evidence'] as const)
      .filter((part) => recovery[part] !== undefined)
      .map((part) => ({
        what: `${scenario.name}: method ${recovery.name} ${part}`,
        requires: recovery.requires,
        run: async (c: ReturnType<typeof fakeContext>) => recovery[part]!(c),
      })),
  ),
]);

describe('requires tells the truth', () => {
  it.each(steps)('$what', async ({ requires, run }) => {
    const cluster = new FakeCluster({ capabilities: requires as readonly Capability[] });
    const context = fakeContext(cluster, { recoveryDeadline: Date.now() + 200 });
    const error = await settle(() => run(context));
    context.controller.abort();
    expect(error instanceof Error ? error.message : '').not.toMatch(MISSING);
  });

  it('catches a step that uses a capability it does not list (negative control)', async () => {
    const [fullShutdown] = steps;
    const cluster = new FakeCluster({ capabilities: ['release'] });
    const error = await settle(() => fullShutdown!.run(fakeContext(cluster)));
    expect(error instanceof Error ? error.message : '').toMatch(MISSING);
  });
});

import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../core/platform.js';
import { everyBootRefused } from './refused-boot.js';

const pod = (ordinal: number, status: Partial<PodStatus>): PodStatus => ({ ordinal, nodeName: `rabbit-${ordinal}@localhost`, phase: 'ready', restarts: 0, bootFailures: 0, booted: true, revision: 1, ...status });
const REFUSAL = '2026-12-01 [error] <0.9.0> Feature flags: `amqp_filter_set_bug`: unsupported; aborting';

describe('everyBootRefused (proof that waiting cannot help an upgrade RabbitMQ refuses)', () => {
  const baseline = [pod(0, {}), pod(1, {}), pod(2, { phase: 'back-off', bootFailures: 2, booted: false })];

  it('is the refusal when a pod failed again since the method and its log names a refusal it repeats on every boot', () => {
    const now = [pod(0, {}), pod(1, {}), pod(2, { phase: 'back-off', bootFailures: 3, booted: false })];
    const found = everyBootRefused(now, baseline, new Map([[2, `boot\n${REFUSAL}\nBOOT FAILED`]]));
    expect(found.map((d) => [d.node, d.signature])).toEqual([['rabbit-2@localhost', 'feature-flag-unsupported']]);
  });

  it('is nothing without a new failure since the method, without such a refusal, or for a ready pod (negative controls)', () => {
    const same = [pod(0, {}), pod(1, {}), pod(2, { phase: 'back-off', bootFailures: 2, booted: false })];
    expect(everyBootRefused(same, baseline, new Map([[2, REFUSAL]]))).toEqual([]);
    const again = [pod(0, {}), pod(1, {}), pod(2, { phase: 'back-off', bootFailures: 3, booted: false })];
    expect(everyBootRefused(again, baseline, new Map([[2, 'Error while waiting for Mnesia tables']]))).toEqual([]);
    const ready = [pod(0, {}), pod(1, {}), pod(2, { phase: 'ready', bootFailures: 3, booted: true })];
    expect(everyBootRefused(ready, baseline, new Map([[2, REFUSAL]]))).toEqual([]);
  });
});

describe('everyBootRefused against the logs at the method', () => {
  it('needs the refusal logged again since the method: one logged before it alone does not count', () => {
    const now = [pod(2, { phase: 'back-off', bootFailures: 3, booted: false })];
    const base = [pod(2, { phase: 'back-off', bootFailures: 2, booted: false })];
    const atMethod = new Map([[2, `${REFUSAL}\n`]]);
    expect(everyBootRefused(now, base, new Map([[2, `${REFUSAL}\nError while waiting for Mnesia tables\n`]]), atMethod)).toEqual([]);
    const again = everyBootRefused(now, base, new Map([[2, `${REFUSAL}\nboot\n${REFUSAL}\n`]]), atMethod);
    expect(again.map((d) => [d.signature, d.count])).toEqual([['feature-flag-unsupported', 2]]);
  });
});

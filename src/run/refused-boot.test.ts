import { describe, expect, it } from 'vitest';
import type { PodStatus } from '../core/platform.js';
import { everyBootRefused, logSince } from './refused-boot.js';

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

describe('logSince', () => {
  it('is what a log gained since the method: a refusal logged before it does not count', () => {
    const before = `${REFUSAL}\n`;
    expect(logSince(`${before}boot again\n`, before.length)).toBe('boot again\n');
    const now = [pod(2, { phase: 'back-off', bootFailures: 3, booted: false })];
    const base = [pod(2, { phase: 'back-off', bootFailures: 2, booted: false })];
    expect(everyBootRefused(now, base, new Map([[2, logSince(`${before}Error while waiting for Mnesia tables\n`, before.length)]]))).toEqual([]);
    expect(logSince('new file', 100)).toBe('new file');
  });
});

import { describe, expect, it } from 'vitest';
import type { PodPhase, PodStatus } from '../../src/core/platform.js';
import { podsSettled } from '../../src/run/deadlock.js';

function pod(ordinal: number, phase: PodPhase, fields: { booted?: boolean; bootFailures?: number } = {}): PodStatus {
  const bootFailures = fields.bootFailures ?? 0;
  return { ordinal, nodeName: `rabbit-${ordinal}@localhost`, phase, restarts: bootFailures, bootFailures, revision: 1, booted: fields.booted ?? false };
}

describe('podsSettled', () => {
  it('counts absent pods as settled', () => {
    expect(podsSettled([pod(0, 'absent'), pod(1, 'absent')], [])).toBe(true);
  });

  it('is vacuously settled with no pods', () => {
    expect(podsSettled([], [])).toBe(true);
  });

  it('never counts a terminating pod as settled, even a booted one with new boot failures', () => {
    expect(podsSettled([pod(0, 'terminating', { booted: true, bootFailures: 5 })], [pod(0, 'starting')])).toBe(false);
  });

  it('counts a booted pod as settled (also when its login is refused and it is not ready)', () => {
    expect(podsSettled([pod(0, 'ready', { booted: true })], [])).toBe(true);
    expect(podsSettled([pod(0, 'starting', { booted: true })], [pod(0, 'starting', { bootFailures: 3 })])).toBe(true);
  });

  it('does not count an unbooted pod whose boot failures have not grown since the baseline', () => {
    const baseline = [pod(0, 'starting', { bootFailures: 2 })];
    expect(podsSettled([pod(0, 'back-off', { bootFailures: 2 })], baseline)).toBe(false);
    expect(podsSettled([pod(0, 'starting')], [])).toBe(false);
  });

  it('counts an unbooted pod once its boot failures exceed its baseline', () => {
    const baseline = [pod(0, 'starting', { bootFailures: 2 })];
    expect(podsSettled([pod(0, 'back-off', { bootFailures: 3 })], baseline)).toBe(true);
  });

  it('treats a pod missing from the baseline as having had 0 failures', () => {
    expect(podsSettled([pod(1, 'back-off', { bootFailures: 1 })], [pod(0, 'starting', { bootFailures: 5 })])).toBe(true);
  });

  it('compares each pod with its own baseline, and one mid-boot pod unsettles the lot', () => {
    const baseline = [pod(0, 'starting', { bootFailures: 1 }), pod(1, 'starting', { bootFailures: 4 })];
    const now = [pod(0, 'back-off', { bootFailures: 2 }), pod(1, 'starting', { bootFailures: 4 }), pod(2, 'absent')];
    expect(podsSettled(now, baseline)).toBe(false);
    expect(podsSettled([now[0]!, pod(1, 'back-off', { bootFailures: 5 }), now[2]!], baseline)).toBe(true);
  });
});

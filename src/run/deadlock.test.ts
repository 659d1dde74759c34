import { describe, expect, it } from 'vitest';
import type { PodPhase, PodStatus } from '../core/platform.js';
import { orderedReadyDeadlock } from './deadlock.js';

function pod(ordinal: number, phase: PodPhase, bootFailures = 0, restarts = bootFailures): PodStatus {
  return { ordinal, nodeName: `rabbit-${ordinal}@localhost`, phase, restarts, bootFailures, revision: 1, booted: false };
}

/** After a full shutdown under OrderedReady: pod 0 booted once and failed, pods 1 and 2 were never created. */
const baseline = [pod(0, 'starting', 1), pod(1, 'absent'), pod(2, 'absent')];

describe('orderedReadyDeadlock', () => {
  it('names the failing pod and the pods that are never started once pod 0 failed again since the baseline', () => {
    const now = [pod(0, 'back-off', 2, 3), pod(1, 'absent'), pod(2, 'absent')];
    const found = orderedReadyDeadlock('OrderedReady', now, baseline);
    expect(found).toMatchObject({ signature: 'ordered-ready-deadlock', source: 'cluster' });
    expect(found?.evidence).toBe(
      'deadlock under OrderedReady: pod 0 failed to boot 2× (restarts 3); pods 1, 2 are never started while no pod is ready',
    );
  });

  it('is a deadlock when the baseline has no entry for a pod that has failed at least once', () => {
    const now = [pod(0, 'starting', 1), pod(1, 'absent'), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', now, [])?.evidence).toContain('pod 0 failed to boot 1×');
  });

  it('is not (yet) a deadlock while pod 0 has not failed another boot since the baseline', () => {
    const now = [pod(0, 'starting', 1), pod(1, 'absent'), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', now, baseline)).toBeUndefined();
  });

  it('needs every created pod to have failed again', () => {
    const before = [pod(0, 'starting', 1), pod(1, 'starting', 1), pod(2, 'absent')];
    const onlyPod0 = [pod(0, 'back-off', 2), pod(1, 'starting', 1), pod(2, 'absent')];
    const both = [pod(0, 'back-off', 2), pod(1, 'back-off', 2), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', onlyPod0, before)).toBeUndefined();
    expect(orderedReadyDeadlock('OrderedReady', both, before)?.evidence).toMatch(/pod 0 .*pod 1 .*pods 2 are never started/);
  });

  it('never reports a deadlock under Parallel: a later boot can still succeed', () => {
    const now = [pod(0, 'back-off', 5), pod(1, 'absent'), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', now, baseline)).toBeDefined();
    expect(orderedReadyDeadlock('Parallel', now, baseline)).toBeUndefined();
  });

  it('a ready pod means no deadlock', () => {
    const now = [pod(0, 'ready', 5), pod(1, 'absent'), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', now, baseline)).toBeUndefined();
  });

  it('is no deadlock once every pod has been created', () => {
    const now = [pod(0, 'back-off', 5), pod(1, 'back-off', 5), pod(2, 'starting', 5)];
    expect(orderedReadyDeadlock('OrderedReady', now, baseline)).toBeUndefined();
  });

  it('is no deadlock while no pod has been created', () => {
    const now = [pod(0, 'absent', 5), pod(1, 'absent'), pod(2, 'absent')];
    expect(orderedReadyDeadlock('OrderedReady', now, [])).toBeUndefined();
  });
});

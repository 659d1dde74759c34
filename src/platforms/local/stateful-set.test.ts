import { describe, expect, it, vi } from 'vitest';
import type { PodPhase } from '../platform.js';
import type { ControlledPod as Pod } from './stateful-set.js';
import { StatefulSetController } from './stateful-set.js';

/** Just what the controller touches: a phase, a revision, start() and delete(). */
interface FakePod {
  ordinal: number;
  phase: PodPhase;
  revision: number;
  start: ReturnType<typeof vi.fn>;
  delete: ReturnType<typeof vi.fn>;
}

function harness(size: number, policy: 'OrderedReady' | 'Parallel') {
  const created: FakePod[] = [];
  const createPod = vi.fn((ordinal: number, revision: number): Pod => {
    const pod: FakePod = {
      ordinal,
      phase: 'absent',
      revision,
      start: vi.fn(() => {
        pod.phase = 'starting';
      }),
      delete: vi.fn(async () => {
        pod.phase = 'absent';
      }),
    };
    created.push(pod);
    return pod as unknown as Pod;
  });
  const controller = new StatefulSetController(size, policy, createPod);
  const fake = (ordinal: number): FakePod | undefined => controller.pod(ordinal) as unknown as FakePod | undefined;
  return { controller, created, createPod, fake };
}

describe('StatefulSetController', () => {
  it('under OrderedReady creates pod i+1 only once pods 0..i are ready', () => {
    const { controller, created, fake } = harness(3, 'OrderedReady');
    controller.scale(3);
    expect(created.map((p) => p.ordinal)).toEqual([0]);
    expect(fake(0)?.start).toHaveBeenCalledTimes(1);

    controller.reconcile();
    expect(created).toHaveLength(1);

    fake(0)!.phase = 'ready';
    controller.reconcile();
    expect(created.map((p) => p.ordinal)).toEqual([0, 1]);
    expect(fake(2)).toBeUndefined();

    fake(1)!.phase = 'ready';
    controller.reconcile();
    expect(created.map((p) => p.ordinal)).toEqual([0, 1, 2]);
    expect(created.every((p) => p.start.mock.calls.length === 1)).toBe(true);

    fake(2)!.phase = 'ready';
    controller.reconcile();
    expect(created).toHaveLength(3);
  });

  it('under OrderedReady stops at a pod that is no longer ready', () => {
    const { controller, created, fake } = harness(3, 'OrderedReady');
    controller.scale(3);
    fake(0)!.phase = 'ready';
    controller.reconcile();
    fake(0)!.phase = 'back-off';
    fake(1)!.phase = 'ready';
    controller.reconcile();
    expect(created.map((p) => p.ordinal)).toEqual([0, 1]);
  });

  it('under Parallel creates and starts every pod at once', () => {
    const { controller, created } = harness(3, 'Parallel');
    controller.scale(3);
    expect(created.map((p) => p.ordinal)).toEqual([0, 1, 2]);
    expect(created.every((p) => p.start.mock.calls.length === 1)).toBe(true);
  });

  it('creates nothing at replicas 0, and only up to the replica count', () => {
    const { controller, createPod } = harness(3, 'Parallel');
    controller.scale(0);
    controller.reconcile();
    expect(createPod).not.toHaveBeenCalled();
    controller.scale(2);
    expect(createPod.mock.calls.map(([ordinal]) => ordinal)).toEqual([0, 1]);
  });

  it('deletePod deletes the pod and recreates it while replicas > 0', async () => {
    const { controller, created, fake } = harness(3, 'Parallel');
    controller.scale(3);
    const old = fake(1)!;
    await controller.deletePod(1, 'kill');
    expect(old.delete).toHaveBeenCalledWith('kill');
    expect(created.map((p) => p.ordinal)).toEqual([0, 1, 2, 1]);
    expect(fake(1)).not.toBe(old);
    expect(fake(1)?.start).toHaveBeenCalledTimes(1);
  });

  it('deletePod does not recreate a pod once scaled to 0', async () => {
    const { controller, created, fake } = harness(3, 'Parallel');
    controller.scale(3);
    controller.scale(0);
    await controller.deletePod(2, 'graceful');
    expect(created).toHaveLength(3);
    expect(fake(2)).toBeUndefined();
  });

  it('deletePod of a pod that does not exist does nothing', async () => {
    const { controller, createPod } = harness(3, 'OrderedReady');
    await controller.deletePod(2, 'graceful');
    expect(createPod).not.toHaveBeenCalled();
  });

  it('setPolicy(Parallel) while pod 0 is stuck creates the rest', () => {
    const { controller, created, fake } = harness(3, 'OrderedReady');
    controller.scale(3);
    fake(0)!.phase = 'back-off';
    controller.reconcile();
    expect(created).toHaveLength(1);
    controller.setPolicy('Parallel');
    expect(controller.startPolicy).toBe('Parallel');
    expect(created.map((p) => p.ordinal)).toEqual([0, 1, 2]);
    expect(fake(0)!.start).toHaveBeenCalledTimes(1);
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { PodPhase } from '../../core/platform.js';
import type { ControlledPod as Pod } from './stateful-set.js';
import { StatefulSetController } from './stateful-set.js';

/** Just what the controller touches: a phase, a revision, start() and delete(). */
interface FakePod {
  ordinal: number;
  phase: PodPhase;
  revision: number;
  start: ReturnType<typeof vi.fn>;
  delete: ReturnType<typeof vi.fn>;
  /** With `holdDeletes`: ends a delete that is still terminating. */
  finishDelete?: () => void;
}

interface HarnessOptions {
  /** Deletes stay 'terminating' until the test calls the pod's finishDelete() (a grace period that runs). */
  holdDeletes?: boolean;
}

function harness(size: number, policy: 'OrderedReady' | 'Parallel', options: HarnessOptions = {}) {
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
        if (options.holdDeletes) {
          pod.phase = 'terminating';
          await new Promise<void>((resolve) => {
            pod.finishDelete = resolve;
          });
        }
        pod.phase = 'absent';
      }),
    };
    created.push(pod);
    return pod as unknown as Pod;
  });
  const controller = new StatefulSetController(size, policy, createPod);
  const fake = (ordinal: number): FakePod | undefined => controller.pod(ordinal) as unknown as FakePod | undefined;
  /** Marks a pod ready and tells the controller, as a pod's onChange does. */
  const ready = (ordinal: number): void => {
    fake(ordinal)!.phase = 'ready';
    controller.reconcile();
  };
  /** Scales to `size` and makes every pod ready in order (works under either policy). */
  const boot = (): FakePod[] => {
    controller.scale(size);
    for (let ordinal = 0; ordinal < size; ordinal++) ready(ordinal);
    expect(created.map((p) => p.ordinal)).toEqual(Array.from({ length: size }, (_, i) => i));
    return [...created];
  };
  const revisions = (): (number | undefined)[] => Array.from({ length: size }, (_, i) => fake(i)?.revision);
  const phases = (): (PodPhase | undefined)[] => Array.from({ length: size }, (_, i) => fake(i)?.phase);
  return { controller, created, createPod, fake, ready, boot, revisions, phases };
}

/** Lets the controller's asynchronous rolling delete (delete → reconcile → finally) run to its end. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

describe('StatefulSetController RollingUpdate', () => {
  it('starts at revision 1, and pods created after setRevision(n) carry revision n', () => {
    const { controller, createPod, fake } = harness(3, 'Parallel');
    expect(controller.revision).toBe(1);
    controller.scale(1);
    expect(fake(0)?.revision).toBe(1);
    controller.setRevision(4);
    expect(controller.revision).toBe(4);
    controller.scale(3);
    expect(createPod.mock.calls).toEqual([
      [0, 1],
      [1, 4],
      [2, 4],
    ]);
  });

  it('setRevision to the revision every pod already has restarts nothing', async () => {
    const { controller, created, boot } = harness(3, 'OrderedReady');
    const originals = boot();
    controller.setRevision(1);
    await settle();
    expect(created).toHaveLength(3);
    for (const pod of originals) expect(pod.delete).not.toHaveBeenCalled();
  });

  it.each(['OrderedReady', 'Parallel'] as const)('under %s replaces pods highest ordinal first, each once the one above is ready again', async (policy) => {
    const { controller, created, fake, ready, boot, revisions } = harness(3, policy);
    const [pod0, pod1, pod2] = boot();

    controller.setRevision(2);
    // The rollout starts at the top: pod 2 is deleted gracefully, the others are left alone.
    expect(pod2!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    expect(pod1!.delete).not.toHaveBeenCalled();
    expect(pod0!.delete).not.toHaveBeenCalled();
    await settle();
    // ...and recreated by reconcile from the new revision.
    expect(fake(2)).not.toBe(pod2);
    expect(fake(2)?.start).toHaveBeenCalledTimes(1);
    expect(revisions()).toEqual([1, 1, 2]);

    // While the new pod 2 is starting, nothing below it is touched, however often the controller runs.
    for (let i = 0; i < 3; i++) controller.reconcile();
    await settle();
    expect(pod1!.delete).not.toHaveBeenCalled();
    expect(created).toHaveLength(4);

    ready(2);
    expect(pod1!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    expect(pod0!.delete).not.toHaveBeenCalled();
    await settle();
    expect(revisions()).toEqual([1, 2, 2]);

    controller.reconcile();
    await settle();
    expect(pod0!.delete).not.toHaveBeenCalled();

    ready(1);
    expect(pod0!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    await settle();
    expect(revisions()).toEqual([2, 2, 2]);

    ready(0);
    await settle();
    expect(created.map((p) => `${p.ordinal}@${p.revision}`)).toEqual(['0@1', '1@1', '2@1', '2@2', '1@2', '0@2']);
    // Done: every pod is on the revision, more reconciles change nothing.
    controller.reconcile();
    await settle();
    expect(created).toHaveLength(6);
    for (const pod of created.slice(3)) expect(pod.delete).not.toHaveBeenCalled();
  });

  it('replaces one pod at a time: while a rolled pod is still terminating, nothing else is deleted or created', async () => {
    const { controller, created, boot } = harness(3, 'Parallel', { holdDeletes: true });
    const [pod0, pod1, pod2] = boot();
    controller.setRevision(2);
    expect(pod2!.phase).toBe('terminating');
    for (let i = 0; i < 3; i++) controller.reconcile();
    await settle();
    // The same pod is not deleted twice, and no other pod is started on the way.
    expect(pod2!.delete).toHaveBeenCalledTimes(1);
    expect(pod1!.delete).not.toHaveBeenCalled();
    expect(pod0!.delete).not.toHaveBeenCalled();
    expect(created).toHaveLength(3);

    pod2!.finishDelete!();
    await settle();
    expect(created.map((p) => `${p.ordinal}@${p.revision}`)).toEqual(['0@1', '1@1', '2@1', '2@2']);
    expect(pod1!.delete).not.toHaveBeenCalled();
  });

  it('under OrderedReady an unready pod blocks both creation and the rollout until it is ready', async () => {
    const { controller, fake, ready, boot, revisions } = harness(3, 'OrderedReady');
    const [pod0, , pod2] = boot();
    pod0!.phase = 'back-off';
    await controller.deletePod(1, 'kill');
    controller.setRevision(2);
    await settle();
    // Pod 1 is not recreated, and pod 2 (ready, on the old revision) is not rolled: the controller stops at pod 0.
    expect(fake(1)).toBeUndefined();
    expect(pod2!.delete).not.toHaveBeenCalled();
    expect(revisions()).toEqual([1, undefined, 1]);

    ready(0);
    // Creation first (from the new revision), one pod at a time...
    expect(revisions()).toEqual([1, 2, 1]);
    expect(pod2!.delete).not.toHaveBeenCalled();
    // ...then, once it is ready, the rollout from the top.
    ready(1);
    expect(pod2!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    await settle();
    expect(revisions()).toEqual([1, 2, 2]);
  });

  it('under Parallel an unready lower pod blocks neither creation nor the rollout from the top', async () => {
    const { controller, fake, boot, revisions } = harness(3, 'Parallel');
    const [pod0, pod1, pod2] = boot();
    pod0!.phase = 'back-off';
    await controller.deletePod(1, 'kill');
    expect(fake(1)).not.toBe(pod1);
    expect(fake(1)?.phase).toBe('starting');
    fake(1)!.phase = 'ready';
    controller.setRevision(2);
    expect(pod2!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    await settle();
    expect(revisions()).toEqual([1, 1, 2]);
  });

  it('under OrderedReady a pod stuck on a bad revision is not rolled back by reverting: it must be deleted by hand', async () => {
    const { controller, created, fake, ready, boot, revisions } = harness(3, 'OrderedReady');
    const [pod0, pod1] = boot();
    controller.setRevision(2);
    await settle();
    const stuck = fake(2)!;
    expect(stuck.revision).toBe(2);
    stuck.phase = 'back-off'; // the new template does not boot
    controller.reconcile();

    controller.setRevision(1); // the template is reverted
    for (let i = 0; i < 3; i++) controller.reconcile();
    await settle();
    // The controller never gets to the stuck pod: it stays on revision 2, nothing is deleted.
    expect(fake(2)).toBe(stuck);
    expect(stuck.delete).not.toHaveBeenCalled();
    expect(revisions()).toEqual([1, 1, 2]);
    expect(created).toHaveLength(4);

    // Kubernetes' answer: delete the pod by hand; it comes back from the current (reverted) revision.
    await controller.deletePod(2, 'graceful');
    expect(stuck.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    expect(fake(2)).not.toBe(stuck);
    expect(revisions()).toEqual([1, 1, 1]);
    ready(2);
    await settle();
    // Pods that never left revision 1 are not restarted.
    expect(pod0!.delete).not.toHaveBeenCalled();
    expect(pod1!.delete).not.toHaveBeenCalled();
    expect(created).toHaveLength(5);
  });

  it('under Parallel, reverting does roll back a stale unready pod (it is replaced before its readiness is looked at)', async () => {
    const { controller, fake, boot, revisions } = harness(3, 'Parallel');
    const [pod0, pod1] = boot();
    controller.setRevision(2);
    await settle();
    const stuck = fake(2)!;
    stuck.phase = 'back-off';
    controller.setRevision(1);
    expect(stuck.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    await settle();
    expect(revisions()).toEqual([1, 1, 1]);
    expect(pod0!.delete).not.toHaveBeenCalled();
    expect(pod1!.delete).not.toHaveBeenCalled();
  });

  it.each(['OrderedReady', 'Parallel'] as const)('under %s reverting to an earlier revision replaces only the pods that left it', async (policy) => {
    const { controller, created, fake, ready, boot, revisions } = harness(3, policy);
    const [pod0, pod1] = boot();
    controller.setRevision(2);
    await settle();
    const rolled = fake(2)!;
    // Pod 2 comes up on revision 2; in the same turn the template is reverted, before pod 1 was touched.
    rolled.phase = 'ready';
    controller.setRevision(1);
    expect(rolled.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    await settle();
    expect(revisions()).toEqual([1, 1, 1]);
    ready(2);
    for (let i = 0; i < 3; i++) controller.reconcile();
    await settle();
    expect(pod0!.delete).not.toHaveBeenCalled();
    expect(pod1!.delete).not.toHaveBeenCalled();
    expect(fake(0)).toBe(pod0);
    expect(fake(1)).toBe(pod1);
    expect(created.map((p) => `${p.ordinal}@${p.revision}`)).toEqual(['0@1', '1@1', '2@1', '2@2', '2@1']);
  });

  it('rolls only the pods the replica count wants; a pod scaled back in is created from the new revision', async () => {
    const { controller, created, boot, revisions } = harness(3, 'Parallel');
    const [pod0, pod1] = boot();
    controller.scale(2); // pod 2 is no longer wanted
    await controller.deletePod(2, 'graceful');
    controller.setRevision(2);
    await settle();
    // The rollout starts at the highest wanted ordinal, pod 1.
    expect(pod1!.delete).toHaveBeenCalledExactlyOnceWith('graceful');
    expect(pod0!.delete).not.toHaveBeenCalled();
    expect(revisions()).toEqual([1, 2, undefined]);
    controller.scale(3);
    expect(revisions()).toEqual([1, 2, 2]);
    expect(created).toHaveLength(5);
  });
});

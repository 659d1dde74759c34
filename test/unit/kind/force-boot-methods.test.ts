import { afterEach, describe, expect, it } from 'vitest';
import { containerScript } from '../../../src/platforms/kind/manifests.js';
import { ChartForceBootRecovery } from '../../../src/recoveries/chart-force-boot-recovery.js';
import { ForceLoadFileRecovery } from '../../../src/recoveries/force-load-file-recovery.js';
import { StatefulSetForceBootRecovery } from '../../../src/recoveries/statefulset-force-boot-recovery.js';
import type { KubeDoc, PodInfo } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { FullShutdownFault } from '../../../src/faults/full-shutdown-fault.js';
import { KindHarness, KUBE_CONTEXT, stuckAfterFullShutdown, until, type StuckCluster } from '../../support/kind-harness.js';

/**
 * Contract tests of the force-boot family on kind: the template patches, pod deletes and `kubectl exec` lines the
 * platform sends for each method, after FullShutdownFault left pods stuck waiting for their peers' tables.
 */

const MERGE_PATCH = 'application/merge-patch+json';
/** The StatefulSet edit: a script line that starts with force_boot (not the env-guarded `if` line). */
const FORCE_BOOT_EDIT = /^\s*rabbitmqctl\s+force_boot\b/m;

let stuck: StuckCluster | undefined;

afterEach(async () => {
  await stuck?.h.dispose();
  stuck = undefined;
});

function container(template: KubeDoc): KubeDoc {
  return (template.spec.containers as KubeDoc[]).find((c) => c.name === 'rabbitmq')!;
}

function hasForceBootEnv(pod: PodInfo): boolean {
  return ((container(pod.template).env ?? []) as KubeDoc[]).some((env) => env.name === 'RABBITMQ_FORCE_BOOT' && env.value === 'yes');
}

function runsForceBoot(pod: PodInfo): boolean {
  return ((container(pod.template).command ?? []) as string[]).some((part) => FORCE_BOOT_EDIT.test(part));
}

/** The journal since `from` without reads (GET): what acted on the cluster, commands included. */
function actions(s: StuckCluster, from: number): string[] {
  return s.h.journal.slice(from).filter((line) => !line.startsWith('GET'));
}

describe('ChartForceBootRecovery on kind (manifests installer)', () => {
  it('PATCHes the template with RABBITMQ_FORCE_BOOT=yes, then deletes only the stuck pod', async () => {
    stuck = await stuckAfterFullShutdown('chart-force-boot', { recovers: hasForceBootEnv });
    const { h, p, context } = stuck;
    const core = `/api/v1/namespaces/${p.namespace}`;
    const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets`;
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const stuckUid = h.api.get('pods', p.namespace, 'rabbitmq-0')!.metadata.uid;
    const recovery = new ChartForceBootRecovery();
    await recovery.apply(context);

    expect(actions(stuck, from)).toEqual([`PUT ${core}/secrets/rabbitmq`, `PATCH ${sts}/rabbitmq`, `DELETE ${core}/pods/rabbitmq-0`]);
    const requests = h.api.requests.slice(requestsFrom);
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe(MERGE_PATCH);
    const template = (patch.body as KubeDoc).spec.template;
    expect(container(template).env).toContainEqual({ name: 'RABBITMQ_FORCE_BOOT', value: 'yes' });
    // The chart's value, not the StatefulSet edit: the command is the plain server start.
    expect(container(template).command).toEqual(['/bin/sh', '-c', containerScript(false)]);
    expect(container(template).command[2]).not.toMatch(FORCE_BOOT_EDIT);
    expect(template.metadata.annotations['warren.dev/template-revision']).toBe('2');
    // The stuck pod was replaced by one from the new template; the others were never there to delete.
    expect(h.api.podEvents.filter((e) => e.event === 'deleted' && e.uid === stuckUid)).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`${core}/pods/rabbitmq-0`]);
    expect(context.marks).toContain('force boot on (chart-values)');

    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    for (const pod of h.api.list('pods', p.namespace)) expect(container({ spec: pod.spec }).env).toContainEqual({ name: 'RABBITMQ_FORCE_BOOT', value: 'yes' });
    // What the pods run is read back once they are back (appliedForceBoot: the StatefulSet as the API server has it).
    const readFrom = h.api.requests.length;
    const [rendered] = await recovery.evidence!(context);
    expect(rendered).toEqual({ name: 'force-boot-rendered', ok: true });
    expect(h.api.requests.slice(readFrom).some((r) => r.method === 'GET' && r.path === `${sts}/rabbitmq`)).toBe(true);
  });

  it('deletes nothing when no pod is stuck (negative control)', async () => {
    stuck = await stuckAfterFullShutdown('chart-force-boot-ready', { recovers: () => true, startPolicy: 'OrderedReady' });
    const { h, p, context } = stuck;
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    const from = h.journal.length;
    await new ChartForceBootRecovery().apply(context);
    expect(actions(stuck, from).filter((line) => line.startsWith('DELETE'))).toEqual([]);
    expect(actions(stuck, from).some((line) => line.startsWith('PATCH'))).toBe(true);
  });
});

describe('StatefulSetForceBootRecovery on kind', () => {
  it('PATCHes `rabbitmqctl force_boot` into the command, deletes every pod, and finish() PATCHes it out again', async () => {
    stuck = await stuckAfterFullShutdown('statefulset-force-boot', { startPolicy: 'Parallel', recovers: runsForceBoot });
    const { h, p, context } = stuck;
    const core = `/api/v1/namespaces/${p.namespace}`;
    const sts = `/apis/apps/v1/namespaces/${p.namespace}/statefulsets`;
    expect(p.cluster.status().map((pod) => pod.phase)).toEqual(['starting', 'starting', 'starting']);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const recovery = new StatefulSetForceBootRecovery();
    await recovery.apply(context);

    expect(actions(stuck, from)).toEqual([
      `PUT ${core}/secrets/rabbitmq`,
      `PATCH ${sts}/rabbitmq`,
      `DELETE ${core}/pods/rabbitmq-0`,
      `DELETE ${core}/pods/rabbitmq-1`,
      `DELETE ${core}/pods/rabbitmq-2`,
    ]);
    const on = h.api.requests.slice(requestsFrom).find((r) => r.method === 'PATCH')!;
    expect(on.contentType).toBe(MERGE_PATCH);
    const onTemplate = (on.body as KubeDoc).spec.template;
    expect(container(onTemplate).command).toEqual(['/bin/sh', '-c', containerScript(true)]);
    // force_boot runs before the server starts.
    const lines = (container(onTemplate).command[2] as string).split('\n');
    const edit = lines.findIndex((line) => FORCE_BOOT_EDIT.test(line));
    expect(edit).toBeGreaterThanOrEqual(0);
    expect(edit).toBeLessThan(lines.findIndex((line) => /rabbitmq-server/.test(line)));
    expect((container(onTemplate).env as KubeDoc[]).some((env) => env.name === 'RABBITMQ_FORCE_BOOT')).toBe(false);
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    // Each pod was recreated from the force-boot template.
    for (const pod of h.api.list('pods', p.namespace)) expect(container({ spec: pod.spec }).command[2]).toMatch(FORCE_BOOT_EDIT);

    // The container log says how force_boot ended (the script's echo); force_load is gone once read.
    for (const pod of h.api.list('pods', p.namespace)) h.api.setPodLog(p.namespace, pod.metadata.name, 'warren: force_boot exit code 0\nServer startup complete');
    const checks = await recovery.evidence!(context);
    expect(checks).toEqual([
      { name: 'force-boot-rendered', ok: true },
      { name: 'force-boot-ran', ok: true },
      { name: 'force-load-consumed', ok: true },
    ]);
    const probes = h.runner.execCalls().filter((call) => call.command[0] === 'test');
    expect(probes.map((call) => [call.pod, call.command.join(' ')])).toEqual(
      p.cluster.nodes.map((node) => [`rabbitmq-${node.ordinal}`, `test -e /var/lib/rabbitmq/mnesia/${node.nodeName}/force_load`]),
    );

    const finishFrom = h.api.requests.length;
    await recovery.finish!(context);
    const off = h.api.requests.slice(finishFrom).filter((r) => r.method === 'PATCH');
    expect(off).toHaveLength(1);
    const offCommand = container((off[0]!.body as KubeDoc).spec.template).command as string[];
    expect(offCommand).toEqual(['/bin/sh', '-c', containerScript(false)]);
    expect(offCommand[2]).not.toMatch(FORCE_BOOT_EDIT);
    expect((off[0]!.body as KubeDoc).spec.template.metadata.annotations['warren.dev/template-revision']).toBe('1');
    expect(h.api.get('statefulsets', p.namespace, 'rabbitmq')!.spec.template.spec.containers[0].command[2]).toBe(containerScript(false));
    expect(await p.cluster.appliedForceBoot()).toEqual({ chartValue: false, command: false });
  });
});

describe('ForceLoadFileRecovery on kind', () => {
  it('writes force_load with `kubectl exec -i … sh -c cat` into the waiting pod, then deletes that pod', async () => {
    const written = new Set<string>();
    // Once a node has force-loaded its tables, the others find them: every later pod boots.
    stuck = await stuckAfterFullShutdown('force-load-file', { recovers: () => written.size > 0 });
    const { h, p, context } = stuck;
    const core = `/api/v1/namespaces/${p.namespace}`;
    const dir = p.cluster.dataDir(0);
    expect(dir).toBe(`/var/lib/rabbitmq/mnesia/${p.cluster.nodes[0]!.nodeName}`);
    h.runner.exec = (call) => {
      if (call.command[0] === 'sh' && call.command[2] === 'cat > "$1"') written.add(call.pod);
      return undefined;
    };
    // pod 0 has been waiting once already; the method must see it wait again (a new line), not the old one.
    h.api.setPodLog(p.namespace, 'rabbitmq-0', 'Waiting for Mnesia tables for 3000 ms, 1 retries left\n');
    const from = h.journal.length;
    const logReads = () => h.api.requests.filter((r) => r.path.endsWith('/log')).length;
    const readsBefore = logReads();
    const recovery = new ForceLoadFileRecovery({ waitTimeoutMs: 5_000 });
    const applied = recovery.apply(context);
    // Once the method has counted the lines already there (2 reads per node), pod 0 logs another wait.
    await until('the baseline log reads', () => logReads() >= readsBefore + 6);
    expect(written.size).toBe(0);
    h.api.setPodLog(p.namespace, 'rabbitmq-0', 'Waiting for Mnesia tables for 3000 ms, 1 retries left\nWaiting for Mnesia tables for 3000 ms, 0 retries left\n');
    await applied;

    expect(actions(stuck, from)).toEqual([
      `$ kubectl --context ${KUBE_CONTEXT} --namespace ${p.namespace} exec -i rabbitmq-0 -c rabbitmq -- sh -c cat > "$1" sh ${dir}/force_load`,
      `DELETE ${core}/pods/rabbitmq-0`,
    ]);
    const write = h.runner.calls.find((call) => call.args.includes('cat > "$1"'))!;
    expect(write.args).toEqual(['--context', KUBE_CONTEXT, '--namespace', p.namespace, 'exec', '-i', 'rabbitmq-0', '-c', 'rabbitmq', '--', 'sh', '-c', 'cat > "$1"', 'sh', `${dir}/force_load`]);
    expect(write.input).toBe('');
    expect(context.marks).toContain('pod 0 waits for tables: wrote force_load');
    // The old pod's log was kept before the delete: Kubernetes forgets it, readLog does not.
    expect(await p.cluster.readLog(0)).toContain('0 retries left');

    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
    // force_load is gone after the boot (`test -e` exits 1): consumed.
    expect(await recovery.evidence!(context)).toEqual([{ name: 'force-load-consumed', ok: true }]);
    const probe = h.runner.execCalls().filter((call) => call.command[0] === 'test');
    expect(probe.map((call) => [call.pod, call.command])).toEqual([['rabbitmq-0', ['test', '-e', `${dir}/force_load`]]]);
    // Nothing was written into pods that did not wait.
    expect(h.runner.execCalls().filter((call) => call.command[0] === 'sh').map((call) => call.pod)).toEqual(['rabbitmq-0']);
  });

  it('writes nothing while no pod logs a new wait (negative control), and gives up at its timeout', async () => {
    stuck = await stuckAfterFullShutdown('force-load-file-quiet', { recovers: () => false });
    const { h, p, context } = stuck;
    h.api.setPodLog(p.namespace, 'rabbitmq-0', 'Waiting for Mnesia tables for 3000 ms, 1 retries left\n');
    const from = h.journal.length;
    await expect(new ForceLoadFileRecovery({ waitTimeoutMs: 600 }).apply(context)).rejects.toThrow(/a pod waiting for Mnesia tables/);
    expect(actions(stuck, from)).toEqual([]);
  });
});

describe('force boot right after the restart, as a drill runs it (review item 6)', () => {
  it('acts on the pods the API has once the controller observed the new template, not on the pod cache', async () => {
    // As in a real drill: the method runs at once after the fault's startUp(), while the 1 s pod poll has not yet
    // seen the pod the controller created from the OLD template, and the controller sees a template change 150 ms
    // late (status.observedGeneration lags). That pod is stuck and, under OrderedReady, never replaced by the
    // controller. Without the wait and the fresh read, nothing is deleted (or the deleted pod comes back from the old
    // template) and the cluster stays down.
    const state = { stuck: false };
    const h = await KindHarness.start({ readiness: (pod) => !state.stuck || hasForceBootEnv(pod), platform: { pollIntervalMs: 1_000 }, api: { controllerLagMs: 150 } });
    stuck = { h, p: undefined as never, context: undefined as never, state };
    const p = await h.provision('stale-cache');
    const context = h.context(p, 20_000);
    state.stuck = true;
    await new FullShutdownFault().inject(context);
    await until('the controller created pod 0 from the old template', () => h.api.hasPod(p.namespace, 'rabbitmq-0'));
    const oldUid = h.api.get('pods', p.namespace, 'rabbitmq-0')!.metadata.uid;
    expect(p.cluster.status()[0]!.phase).toBe('absent'); // the poll has not seen it: the stale cache of the review

    await new ChartForceBootRecovery().apply(context);
    expect(h.api.podEvents.some((e) => e.event === 'deleted' && e.uid === oldUid)).toBe(true);
    await until('every pod ready from the new template', () => h.api.list('pods', p.namespace).length === 3 && p.cluster.status().every((pod) => pod.phase === 'ready'), 15_000);
    for (const pod of h.api.list('pods', p.namespace)) expect(pod.metadata.annotations['warren.dev/template-revision']).toBe('2');
  }, 30_000);
});

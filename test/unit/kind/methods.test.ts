import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../../src/platforms/kind/command-runner.js';
import { MismatchedCookieFault } from '../../../src/faults/mismatched-cookie-fault.js';
import { DefinitionsReimportRecovery } from '../../../src/recoveries/definitions-reimport-recovery.js';
import { NoRecovery } from '../../../src/recoveries/no-recovery.js';
import { ParallelRestartRecovery } from '../../../src/recoveries/parallel-restart-recovery.js';
import { RestoreCredentialsRecovery } from '../../../src/recoveries/restore-credentials-recovery.js';
import type { KubeDoc, RecordedRequest } from '../../../src/platforms/kind/fake/fake-kube-api.js';
import { KindHarness, KUBE_CONTEXT, seesPods, stuckAfterFullShutdown, until, type Provisioned } from '../../support/kind-harness.js';

/**
 * Contract tests of the other recovery methods on kind: what each sends to the API server and which commands it
 * runs, through the same DrillContext the drill builds, on a KindCluster from KindPlatform.provision.
 */

const REVISION = 'warren.dev/template-revision';
const SERVICES = ['rabbitmq-headless', 'rabbitmq-amqp', 'rabbitmq-0-amqp', 'rabbitmq-1-amqp', 'rabbitmq-2-amqp'];

let harness: KindHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

function keep<T extends { h: KindHarness }>(value: T): T {
  harness = value.h;
  return value;
}

function paths(p: Provisioned) {
  return { core: `/api/v1/namespaces/${p.namespace}`, sts: `/apis/apps/v1/namespaces/${p.namespace}/statefulsets` };
}

/** What acted on the cluster since `from`: no reads, and no POST refused while a NodePort was not free yet (retried). */
function actions(h: KindHarness, from: number): string[] {
  return h.journal.slice(from).filter((line) => !line.startsWith('GET') && !line.endsWith('(refused 422)'));
}

function posted(requests: RecordedRequest[], pathEnd: string): KubeDoc {
  return requests.find((r) => r.method === 'POST' && r.path.endsWith(pathEnd))!.body as KubeDoc;
}

function ok(stdout = ''): CommandResult {
  return { exitCode: 0, stdout, stderr: '' };
}

describe('NoRecovery on kind', () => {
  it('sends nothing and runs nothing: the stuck pod stays as it is', async () => {
    const { h, p, context } = keep(await stuckAfterFullShutdown('none', { recovers: () => false }));
    const from = h.journal.length;
    const calls = h.runner.calls.length;
    const uid = h.api.get('pods', p.namespace, 'rabbitmq-0')!.metadata.uid;
    await new NoRecovery().apply();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(actions(h, from)).toEqual([]);
    expect(h.runner.calls.length).toBe(calls);
    expect(h.api.get('pods', p.namespace, 'rabbitmq-0')!.metadata.uid).toBe(uid);
    expect(p.cluster.status().map((pod) => pod.phase)).toEqual(['starting', 'absent', 'absent']);
    expect(context.marks.at(-1)).toBe('pods start again (OrderedReady)');
  });
});

describe('ParallelRestartRecovery on kind', () => {
  it('deletes the StatefulSet with propagationPolicy Orphan and creates it again with podManagementPolicy Parallel', async () => {
    const { h, p, context } = keep(await stuckAfterFullShutdown('parallel-restart', { recovers: (pod) => pod.ordinal !== 0 }));
    const { sts } = paths(p);
    const installed = h.api.requests.find((r) => r.method === 'POST' && r.path === sts)!.body as KubeDoc;
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const eventsFrom = h.api.podEvents.length;
    await new ParallelRestartRecovery().apply(context);

    expect(actions(h, from)).toEqual([`DELETE ${sts}/rabbitmq?propagationPolicy=Orphan`, `POST ${sts}`]);
    const requests = h.api.requests.slice(requestsFrom);
    // It waited for the StatefulSet to be gone (404) before creating it again.
    const gone = requests.findIndex((r) => r.method === 'GET' && r.path === `${sts}/rabbitmq` && r.status === 404);
    expect(gone).toBeGreaterThan(requests.findIndex((r) => r.method === 'DELETE'));
    expect(gone).toBeLessThan(requests.findIndex((r) => r.method === 'POST'));
    const recreated = posted(requests, '/statefulsets');
    expect(recreated.spec.podManagementPolicy).toBe('Parallel');
    // The same StatefulSet as installed (which was Parallel too), same template revision.
    expect(recreated).toEqual(installed);
    expect(recreated.spec.template.metadata.annotations[REVISION]).toBe('1');
    expect(p.cluster.startPolicy()).toBe('Parallel');
    // The stuck pod 0 was orphaned and kept (never deleted); pods 1 and 2 were created at once.
    expect(h.api.podEvents.slice(eventsFrom).map((e) => `${e.event} ${e.name}`)).toEqual(['created rabbitmq-1', 'created rabbitmq-2']);
    await until('the cluster sees pods 1 and 2', () => seesPods(h, p) && p.cluster.status()[2]!.phase === 'ready');
    expect(p.cluster.status().map((pod) => pod.phase)).toEqual(['starting', 'ready', 'ready']);
    expect(context.evidence[0]).toMatch(/^podManagementPolicy: Parallel; pods created at once: /);
  });
});

describe('DefinitionsReimportRecovery on kind', () => {
  it('exports while healthy; uninstalls (Background), deletes the PVCs by label, installs, imports without the Secret user', async () => {
    const exported = {
      rabbit_version: '3.13.7',
      users: [
        { name: 'warren', password_hash: 'old-hash', tags: ['administrator'] },
        { name: 'app', password_hash: 'app-hash', tags: [] },
      ],
      vhosts: [{ name: '/' }],
      permissions: [{ user: 'app', vhost: '/', configure: '.*', write: '.*', read: '.*' }],
      queues: [{ name: 'orders', vhost: '/', durable: true, arguments: { 'x-queue-type': 'quorum' } }],
    };
    const imported: string[] = [];
    const recovery = new DefinitionsReimportRecovery({ firstRetryMs: 50, maxRetryMs: 100 });
    const { h, p, context } = keep(
      await stuckAfterFullShutdown('definitions-reimport', {
        // A pod on a fresh volume has no peers to wait for; one on the old volumes is stuck.
        recovers: (pod) => pod.freshVolumes,
        runner: {
          exec: (call) => {
            // What went onto the pod's volume (the import's file); the emptying write after the import is not kept.
            if (call.command[0] === 'sh' && call.input) imported.push(call.input);
            if (call.command[0] !== 'rabbitmqctl') return undefined;
            if (call.command.includes('export_definitions')) return ok(JSON.stringify(exported));
            if (call.command.includes('import_definitions')) return ok('Successfully started definition import.');
            if (call.command.includes('list_queues')) {
              const members = ['rabbitmq-0', 'rabbitmq-1', 'rabbitmq-2'].map((pod) => `rabbit@${pod}.rabbitmq-headless.${call.namespace}.svc.cluster.local`);
              return ok(JSON.stringify(imported.length > 0 ? [{ name: 'orders', type: 'quorum', members, leader: members[0] }] : []));
            }
            return undefined;
          },
        },
        beforeFault: ({ context }) => recovery.prepare(context),
      }),
    );
    const { core, sts } = paths(p);
    const exportCall = h.runner.execCalls().find((call) => call.command.includes('export_definitions'))!;
    expect(exportCall.pod).toBe('rabbitmq-0');
    expect(exportCall.command).toEqual(['rabbitmqctl', '--longnames', '-n', p.cluster.nodes[0]!.nodeName, 'export_definitions', '-', '--format', 'json']);
    const pvcsBefore = h.api.list('persistentvolumeclaims', p.namespace).map((pvc) => pvc.metadata.uid);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    await recovery.apply(context);

    const node0 = p.cluster.nodes[0]!.nodeName;
    const kubectl = `$ kubectl --context ${KUBE_CONTEXT} --namespace ${p.namespace} exec`;
    const definitionsFile = `/var/lib/rabbitmq/mnesia/${node0}/warren-definitions.json`;
    expect(actions(h, from)).toEqual([
      `DELETE ${sts}/rabbitmq?propagationPolicy=Background`,
      ...SERVICES.map((name) => `DELETE ${core}/services/${name}`),
      `DELETE ${core}/configmaps/rabbitmq-config`,
      `DELETE ${core}/secrets/rabbitmq`,
      `DELETE ${core}/persistentvolumeclaims?labelSelector=${p.selector}`,
      `POST ${core}/secrets`,
      `POST ${core}/configmaps`,
      ...SERVICES.map(() => `POST ${core}/services`),
      `POST ${sts}`,
      // The definitions go onto the pod's volume first: 4.3.6's CLI crashes reading them from stdin (exit 70).
      `${kubectl} -i rabbitmq-0 -c rabbitmq -- sh -c cat > "$1" sh ${definitionsFile}`,
      `${kubectl} rabbitmq-0 -c rabbitmq -- rabbitmqctl --longnames -n ${node0} import_definitions ${definitionsFile} --format json`,
      `${kubectl} -i rabbitmq-0 -c rabbitmq -- sh -c cat > "$1" sh ${definitionsFile}`,
      `${kubectl} rabbitmq-0 -c rabbitmq -- rabbitmqctl --longnames -n ${node0} list_queues name type members leader --formatter json`,
      `${kubectl} rabbitmq-0 -c rabbitmq -- rabbitmqctl --longnames -n ${node0} list_queues name type members leader --formatter json`,
    ]);
    const requests = h.api.requests.slice(requestsFrom);
    // Helm 3's uninstall: no scale-down first.
    expect(requests.some((r) => r.path.endsWith('/scale'))).toBe(false);
    // The install uses the current Secret (the drill's credentials) and the spec's start policy.
    expect(posted(requests, '/secrets').stringData).toEqual({ 'rabbitmq-password': p.spec.credentials.password, 'rabbitmq-erlang-cookie': p.spec.credentials.erlangCookie });
    expect(posted(requests, '/statefulsets').spec.podManagementPolicy).toBe('OrderedReady');
    // Fresh volumes: every PVC is new.
    const pvcsAfter = h.api.list('persistentvolumeclaims', p.namespace).map((pvc) => pvc.metadata.uid);
    expect(pvcsAfter).toHaveLength(3);
    for (const uid of pvcsAfter) expect(pvcsBefore).not.toContain(uid);

    // The import came on stdin, without the Secret's own user (its old hash would undo the Secret).
    expect(imported).toHaveLength(1);
    const definitions = JSON.parse(imported[0]!) as typeof exported;
    expect(definitions.users.map((user) => user.name)).toEqual(['app']);
    expect(definitions.queues).toEqual(exported.queues);
    expect(definitions.permissions).toEqual(exported.permissions);
    expect(imported[0]).not.toContain('old-hash');
    expect(await recovery.evidence(context)).toEqual([{ name: 'definitions-imported', ok: true, observation: { attempts: 1, retried: 0 } }]);
  });
});

describe('RestoreCredentialsRecovery on kind', () => {
  /** Pods of the regenerated Secret's revision cannot join: their cookie is not the data's. */
  const badRevisionUnready = { readiness: (pod: { template: KubeDoc }) => pod.template.metadata?.annotations?.[REVISION] !== '2' };

  it('after a reinstall: uninstalls (scale-down) and installs again with the ORIGINAL credentials', async () => {
    const h = (harness = await KindHarness.start(badRevisionUnready));
    const p = await h.provision('restore-credentials');
    const { core, sts } = paths(p);
    const context = h.context(p);
    await new MismatchedCookieFault('reinstall').inject(context);
    await until('the reinstalled pod 0 seen stuck', () => seesPods(h, p) && p.cluster.status()[0]!.phase === 'starting');
    expect(p.cluster.credentials.password).not.toBe(p.spec.credentials.password);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    await new RestoreCredentialsRecovery().apply(context);

    expect(actions(h, from)).toEqual([
      `PATCH ${sts}/rabbitmq/scale`,
      `DELETE ${sts}/rabbitmq?propagationPolicy=Background`,
      ...SERVICES.map((name) => `DELETE ${core}/services/${name}`),
      `DELETE ${core}/configmaps/rabbitmq-config`,
      `DELETE ${core}/secrets/rabbitmq`,
      `POST ${core}/secrets`,
      `POST ${core}/configmaps`,
      ...SERVICES.map(() => `POST ${core}/services`),
      `POST ${sts}`,
    ]);
    const requests = h.api.requests.slice(requestsFrom);
    expect(requests.find((r) => r.path.endsWith('/scale'))!.body).toEqual({ spec: { replicas: 0 } });
    expect(posted(requests, '/secrets').stringData).toEqual({ 'rabbitmq-password': p.spec.credentials.password, 'rabbitmq-erlang-cookie': p.spec.credentials.erlangCookie });
    expect(posted(requests, '/statefulsets').spec.template.metadata.annotations[REVISION]).toBe('1');
    expect(p.cluster.credentials).toEqual(p.spec.credentials);
    expect(context.marks.slice(-2)).toEqual(['helm del (volumes kept)', 'helm install with the original cookie and password']);
    // Volumes kept.
    expect(requests.some((r) => r.path.includes('persistentvolumeclaims'))).toBe(false);
    // The uninstall freed the NodePorts only a moment before the install asked for them again: refused, then retried.
    expect(h.journal.slice(from).filter((line) => line.endsWith('(refused 422)')).length).toBeGreaterThan(0);
    await until('every pod ready', () => p.cluster.status().every((pod) => pod.phase === 'ready'));
  });

  it('after a rolling upgrade: PUTs the original Secret, PATCHes the template back and deletes only the pod stuck on the bad revision', async () => {
    const h = (harness = await KindHarness.start(badRevisionUnready));
    const p = await h.provision('restore-credentials-rolling');
    const { core, sts } = paths(p);
    const context = h.context(p);
    await new MismatchedCookieFault('rolling').inject(context);
    await until('pod 2 seen stuck on revision 2', () => seesPods(h, p));
    expect(p.cluster.status().map((pod) => [pod.phase, pod.revision])).toEqual([
      ['ready', 1],
      ['ready', 1],
      ['starting', 2],
    ]);
    const from = h.journal.length;
    const requestsFrom = h.api.requests.length;
    const eventsFrom = h.api.podEvents.length;
    await new RestoreCredentialsRecovery().apply(context);

    expect(actions(h, from)).toEqual([`PUT ${core}/secrets/rabbitmq`, `PATCH ${sts}/rabbitmq`, `DELETE ${core}/pods/rabbitmq-2`]);
    const requests = h.api.requests.slice(requestsFrom);
    expect((requests.find((r) => r.method === 'PUT')!.body as KubeDoc).stringData).toEqual({
      'rabbitmq-password': p.spec.credentials.password,
      'rabbitmq-erlang-cookie': p.spec.credentials.erlangCookie,
    });
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect((patch.body as KubeDoc).spec.template.metadata.annotations[REVISION]).toBe('1');
    expect(p.cluster.revision()).toBe(1);
    // Only pod 2 was replaced, from the restored template; pods 0 and 1 were never touched.
    expect(h.api.podEvents.slice(eventsFrom).map((e) => `${e.event} ${e.name} ${e.revision}`)).toEqual(['deleted rabbitmq-2 2', 'created rabbitmq-2 1']);
    await until('every pod ready on revision 1', () => p.cluster.status().every((pod) => pod.phase === 'ready' && pod.revision === 1));
  });
});

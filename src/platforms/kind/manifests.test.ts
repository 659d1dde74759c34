import { readFileSync } from 'node:fs';
import { dumpYaml, loadYaml, type V1StatefulSet } from '@kubernetes/client-node';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { StartPolicy } from '../../core/platform.js';
import {
  DEFAULT_IMAGE,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NAME_LABEL,
  REVISION_ANNOTATION,
  RUN_LABEL,
  containerScript,
  forceBootEnabled,
  mnesiaDir,
  namespaceObject,
  nodeName,
  podName,
  rabbitMqObjects,
  type RabbitMqManifestOptions,
  type RabbitMqObjects,
} from './manifests.js';

// Obviously fake credentials: never a real-looking secret in a test.
const options: RabbitMqManifestOptions = {
  runId: 'run-1234-statefulset-force-boot',
  namespace: 'warren-run-1234',
  replicas: 3,
  startPolicy: 'OrderedReady',
  image: DEFAULT_IMAGE,
  credentials: { username: 'warren', password: 'FAKE-PASSWORD', erlangCookie: 'FAKECOOKIE' },
  tableWait: { retryTimeoutMs: 4_321, retryLimit: 7 },
  forceBoot: false,
  templateRevision: 1,
};

const FIXTURE = readFileSync(new URL('../../../fixtures/kind/rabbitmq.yaml', import.meta.url), 'utf8');

function allObjects(objects: RabbitMqObjects): { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }[] {
  return [objects.secret, objects.configMap, objects.headlessService, objects.amqpService, ...objects.podServices, objects.statefulSet];
}

/** kubernetes-models: the schema (types, enums, required fields). It throws on an invalid object. */
function validateSchema(object: unknown): void {
  const data = JSON.parse(JSON.stringify(object)) as { kind?: string };
  switch (data.kind) {
    case 'Secret': return new Secret(data as never).validate();
    case 'ConfigMap': return new ConfigMap(data as never).validate();
    case 'Service': return new Service(data as never).validate();
    case 'StatefulSet': return new StatefulSet(data as never).validate();
    case 'Namespace': return new Namespace(data as never).validate();
    default: throw new Error(`no schema for kind ${data.kind}`);
  }
}

/**
 * What the API server would receive through client-node: its serializer drops fields it does not know, and the
 * schema check above accepts them, so a misspelt field (podManagmentPolicy) would silently vanish on apply.
 */
function throughClientNode(object: unknown): unknown {
  return parse(dumpYaml(loadYaml(stringify(object))));
}

function peerList(conf: string): string[] {
  return conf.split('\n').filter((line) => line.startsWith('cluster_formation.classic_config.nodes.'));
}

function script(statefulSet: V1StatefulSet): string {
  return statefulSet.spec!.template.spec!.containers.find((c) => c.name === 'rabbitmq')!.command![2]!;
}

const policies: StartPolicy[] = ['OrderedReady', 'Parallel'];
const cases = [1, 3, 5].flatMap((replicas) => policies.map((startPolicy) => ({ replicas, startPolicy })));

describe.each(cases)('rabbitMqObjects: $replicas replicas, $startPolicy', ({ replicas, startPolicy }) => {
  const objects = rabbitMqObjects({ ...options, replicas, startPolicy });

  it('renders objects that validate against the Kubernetes schema', () => {
    for (const object of allObjects(objects)) expect(() => validateSchema(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
  });

  it('uses only fields client-node knows (nothing is dropped on the way to the API server)', () => {
    for (const object of allObjects(objects)) expect(throughClientNode(object), `${object.kind} ${object.metadata?.name}`).toEqual(object);
  });

  it('puts every object in the namespace with the run’s labels, the pod template and volume claims too', () => {
    const expected = { [NAME_LABEL]: 'rabbitmq', [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: options.runId };
    for (const object of allObjects(objects)) {
      expect(object.metadata?.namespace).toBe(options.namespace);
      expect(object.metadata?.labels).toMatchObject(expected);
    }
    const spec = objects.statefulSet.spec!;
    expect(spec.template.metadata?.labels).toMatchObject(expected);
    for (const claim of spec.volumeClaimTemplates!) expect(claim.metadata?.labels).toMatchObject(expected);
  });

  it('selects exactly this run’s pods, in the StatefulSet, its Services and the anti-affinity', () => {
    const spec = objects.statefulSet.spec!;
    const selector = { [NAME_LABEL]: 'rabbitmq', [RUN_LABEL]: options.runId };
    expect(spec.selector.matchLabels).toEqual(selector);
    expect(spec.template.metadata?.labels).toMatchObject(selector);
    expect(objects.headlessService.spec?.selector).toEqual(selector);
    expect(objects.amqpService.spec?.selector).toEqual(selector);
    const [term, ...others] = spec.template.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!;
    expect(others).toEqual([]);
    expect(term).toEqual({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } });
  });

  it('sets replicas and the start policy', () => {
    expect(objects.statefulSet.spec?.replicas).toBe(replicas);
    expect(objects.statefulSet.spec?.podManagementPolicy).toBe(startPolicy);
  });

  it('lists every pod’s long node name as a peer, and nothing else', () => {
    const peers = peerList(objects.configMap.data!['rabbitmq.conf']!);
    expect(peers).toHaveLength(replicas);
    expect(peers).toEqual(Array.from({ length: replicas }, (_, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${nodeName(i, options.namespace)}`));
  });

  it('gives each pod its own NodePort Service, 30672 + ordinal', () => {
    expect(objects.podServices.map((service) => service.metadata?.name)).toEqual(Array.from({ length: replicas }, (_, i) => `rabbitmq-${i}-amqp`));
    objects.podServices.forEach((service, i) => {
      expect(service.spec?.type).toBe('NodePort');
      expect(service.spec?.selector).toEqual({ 'statefulset.kubernetes.io/pod-name': podName(i) });
      expect(service.spec?.ports).toEqual([{ name: 'amqp', port: 5672, targetPort: 'amqp', nodePort: 30_672 + i }]);
    });
  });
});

describe('rabbitMqObjects: what the pods run', () => {
  const objects = rabbitMqObjects(options);
  const pod = objects.statefulSet.spec!.template.spec!;
  const server = pod.containers.find((c) => c.name === 'rabbitmq')!;

  it('writes the table waits into rabbitmq.conf', () => {
    const lines = objects.configMap.data!['rabbitmq.conf']!.split('\n');
    expect(lines).toContain('mnesia_table_loading_retry_timeout = 4321');
    expect(lines).toContain('mnesia_table_loading_retry_limit = 7');
    expect(lines).toContain('cluster_formation.peer_discovery_backend = classic_config');
    expect(lines).toContain('loopback_users = none');
    expect(objects.configMap.data!['enabled_plugins']).toBe('[].\n');
  });

  it('runs the image on both containers and annotates the template revision', () => {
    const revised = rabbitMqObjects({ ...options, image: 'rabbitmq:3.12.14', templateRevision: 7 });
    const spec = revised.statefulSet.spec!.template.spec!;
    expect([...spec.initContainers!, ...spec.containers].map((c) => c.image)).toEqual(['rabbitmq:3.12.14', 'rabbitmq:3.12.14']);
    expect(revised.statefulSet.spec!.template.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('7');
  });

  it('names each node after its pod’s stable DNS name, with its mnesia dir on the volume', () => {
    const env = Object.fromEntries(server.env!.map((variable) => [variable.name, variable.value]));
    expect(env.RABBITMQ_USE_LONGNAME).toBe('true');
    expect(env.RABBITMQ_NODENAME).toBe('rabbit@$(MY_POD_NAME).rabbitmq-headless.$(MY_POD_NAMESPACE).svc.cluster.local');
    expect(nodeName(2, 'ns')).toBe('rabbit@rabbitmq-2.rabbitmq-headless.ns.svc.cluster.local');
    expect(mnesiaDir(2, 'ns')).toBe('/var/lib/rabbitmq/mnesia/rabbit@rabbitmq-2.rabbitmq-headless.ns.svc.cluster.local');
    expect(server.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/rabbitmq/mnesia' });
    expect(server.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/rabbitmq' });
  });

  it('has a readiness probe like the chart’s and no liveness probe', () => {
    expect(server.readinessProbe).toEqual({
      exec: { command: ['/bin/sh', '-c', 'rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_local_alarms'] },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 20,
    });
    expect(server.livenessProbe).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  it('takes the pod grace period it is given (--termination-grace-period), else keeps the template\'s', () => {
    expect(rabbitMqObjects(options).statefulSet.spec?.template.spec?.terminationGracePeriodSeconds).toBe(30);
    const rendered = rabbitMqObjects({ ...options, terminationGracePeriodSeconds: 7 }).statefulSet;
    expect(rendered.spec?.template.spec?.terminationGracePeriodSeconds).toBe(7);
  });

  it('adds a liveness probe that logs in with the Secret only when asked (--liveness-probe login)', () => {
    const rendered = rabbitMqObjects({ ...options, livenessProbe: { periodSeconds: 5, failureThreshold: 3 } }).statefulSet;
    const probe = rendered.spec?.template.spec?.containers.find((c) => c.name === 'rabbitmq')?.livenessProbe;
    expect(probe).toMatchObject({ periodSeconds: 5, failureThreshold: 3 });
    expect(probe?.exec?.command?.join(' ')).toContain('rabbitmqctl -q authenticate_user "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS"');
    expect(rabbitMqObjects(options).statefulSet.spec?.template.spec?.containers.find((c) => c.name === 'rabbitmq')?.livenessProbe).toBeUndefined();
  });

  it('copies the cookie into the home directory as a private file of uid 999', () => {
    const init = pod.initContainers!.find((c) => c.name === 'erlang-cookie')!;
    const command = init.command!.join(' ');
    expect(command).toContain('/var/lib/rabbitmq/.erlang.cookie');
    expect(command).toContain('chown 999:999');
    expect(command).toContain('chmod 400');
    const home = { name: 'rabbitmq-home', mountPath: '/var/lib/rabbitmq' };
    expect(init.volumeMounts).toContainEqual(home);
    expect(server.volumeMounts).toContainEqual(home);
    const cookieVolume = pod.volumes!.find((v) => v.name === 'erlang-cookie-secret')!;
    expect(cookieVolume.secret?.items).toEqual([{ key: 'rabbitmq-erlang-cookie', path: '.erlang.cookie' }]);
  });

  it('pins the official image in the fixture to DEFAULT_IMAGE', () => {
    const images = FIXTURE.split('\n').filter((line) => line.trim().startsWith('image:'));
    expect(images.map((line) => line.trim())).toEqual([`image: ${DEFAULT_IMAGE}`, `image: ${DEFAULT_IMAGE}`]);
  });

  it('leaves the fixture untouched: one render never leaks into the next', () => {
    rabbitMqObjects({ ...options, replicas: 5, runId: 'other', namespace: 'other', forceBoot: true });
    expect(rabbitMqObjects(options)).toEqual(objects);
  });
});

describe('force boot', () => {
  const off = rabbitMqObjects({ ...options, forceBoot: false });
  const on = rabbitMqObjects({ ...options, forceBoot: true });

  it('changes only the container script', () => {
    const withoutScript = (objects: RabbitMqObjects): RabbitMqObjects => {
      const copy = structuredClone(objects);
      copy.statefulSet.spec!.template.spec!.containers.find((c) => c.name === 'rabbitmq')!.command![2] = '';
      return copy;
    };
    expect(withoutScript(on)).toEqual(withoutScript(off));
    expect(script(on.statefulSet)).not.toBe(script(off.statefulSet));
  });

  it('runs force_boot just before the server, only when on; the chart-style switch acts only on RABBITMQ_FORCE_BOOT=yes', () => {
    const envLine = 'if [ "$RABBITMQ_FORCE_BOOT" = yes ]; then rabbitmqctl force_boot; echo "warren: force_boot exit code $?"; fi';
    expect(script(off.statefulSet)).toBe(`${envLine}\nexec docker-entrypoint.sh rabbitmq-server\n`);
    const lines = script(on.statefulSet).split('\n');
    expect(lines[0]).toBe(envLine);
    expect(lines[1]).toMatch(/^rabbitmqctl force_boot;/);
    expect(lines[2]).toBe('exec docker-entrypoint.sh rabbitmq-server');
  });

  it('is read back from the rendered command', () => {
    expect(forceBootEnabled(on.statefulSet)).toBe(true);
    expect(forceBootEnabled(off.statefulSet)).toBe(false);
  });

  it('is read back from a hand-edited command, as `kubectl edit statefulset` leaves it', () => {
    const edited = structuredClone(off.statefulSet);
    edited.spec!.template.spec!.containers[0]!.command![2] = 'echo starting\n  rabbitmqctl force_boot\nexec docker-entrypoint.sh rabbitmq-server\n';
    expect(forceBootEnabled(edited)).toBe(true);
    edited.spec!.template.spec!.containers[0]!.command![2] = '# rabbitmqctl force_boot\nexec docker-entrypoint.sh rabbitmq-server\n';
    expect(forceBootEnabled(edited)).toBe(false);
  });

  it('refuses to guess when the container no longer runs a shell script', () => {
    const edited = structuredClone(off.statefulSet);
    edited.spec!.template.spec!.containers[0]!.command = ['docker-entrypoint.sh', 'rabbitmq-server'];
    expect(() => forceBootEnabled(edited)).toThrow(/does not run a \/bin\/sh -c script/);
  });

  it('matches the script written in the fixture when off', () => {
    const statefulSet = parseAllDocuments(FIXTURE).map((d) => d.toJS() as V1StatefulSet).find((o) => o?.kind === 'StatefulSet')!;
    expect(script(statefulSet)).toBe(containerScript(false));
  });
});

describe('the Secret', () => {
  const objects = rabbitMqObjects(options);

  it('holds the given credentials and nothing else', () => {
    expect(objects.secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: expect.objectContaining({ name: 'rabbitmq' }),
      type: 'Opaque',
      stringData: { 'rabbitmq-password': 'FAKE-PASSWORD', 'rabbitmq-erlang-cookie': 'FAKECOOKIE' },
    });
  });

  it('is the only object that holds them (the pods read them by reference)', () => {
    const others = allObjects(objects).filter((object) => object.kind !== 'Secret');
    for (const object of others) {
      const text = JSON.stringify(object);
      expect(text).not.toContain('FAKE-PASSWORD');
      expect(text).not.toContain('FAKECOOKIE');
    }
    const server = objects.statefulSet.spec!.template.spec!.containers[0]!;
    expect(server.env).toContainEqual({ name: 'RABBITMQ_DEFAULT_PASS', valueFrom: { secretKeyRef: { name: 'rabbitmq', key: 'rabbitmq-password' } } });
    expect(server.env).toContainEqual({ name: 'RABBITMQ_DEFAULT_USER', value: 'warren' });
  });
});

describe('options', () => {
  it.each([0, 10, 2.5])('refuses %s replicas (one host port and one worker per pod, 9 at most)', (replicas) => {
    expect(() => rabbitMqObjects({ ...options, replicas })).toThrow(TypeError);
  });

  it('refuses a run id that is no label value and a namespace that is no DNS label', () => {
    expect(() => rabbitMqObjects({ ...options, runId: 'has space' })).toThrow(TypeError);
    expect(() => rabbitMqObjects({ ...options, runId: 'x'.repeat(64) })).toThrow(TypeError);
    expect(() => rabbitMqObjects({ ...options, namespace: 'Upper' })).toThrow(TypeError);
  });

  it('never puts a credential into an error message', () => {
    expect(() => rabbitMqObjects({ ...options, credentials: { ...options.credentials, erlangCookie: '' } })).toThrow(/empty password or Erlang cookie/);
    try {
      rabbitMqObjects({ ...options, replicas: 0 });
    } catch (error) {
      expect(String(error)).not.toContain('FAKE-PASSWORD');
    }
  });
});

describe('namespaceObject', () => {
  it('is a valid Namespace labelled with the run', () => {
    const namespace = namespaceObject(options.runId, options.namespace);
    expect(() => validateSchema(namespace)).not.toThrow();
    expect(throughClientNode(namespace)).toEqual(namespace);
    expect(namespace.metadata).toEqual({ name: options.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: options.runId } });
  });
});

// Negative controls: the checks above can fail.
describe('validation catches a broken object', () => {
  const statefulSet = rabbitMqObjects(options).statefulSet;

  it('an unknown podManagementPolicy', () => {
    const broken = structuredClone(statefulSet);
    (broken.spec as { podManagementPolicy: string }).podManagementPolicy = 'Sometimes';
    expect(() => validateSchema(broken)).toThrow(/podManagementPolicy/);
  });

  it('a missing selector', () => {
    const broken = structuredClone(statefulSet) as { spec: { selector?: unknown } };
    delete broken.spec.selector;
    expect(() => validateSchema(broken)).toThrow(/selector/);
  });

  it('a misspelt field, which the schema accepts but client-node would drop', () => {
    const broken = structuredClone(statefulSet) as unknown as { spec: Record<string, unknown> };
    broken.spec.podManagmentPolicy = 'Parallel';
    expect(() => validateSchema(broken)).not.toThrow();
    expect(throughClientNode(broken)).not.toEqual(broken);
  });
});

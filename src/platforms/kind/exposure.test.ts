import { describe, expect, it } from 'vitest';
import { exposed } from './exposure.js';
import { rabbitMqObjects } from './manifests.js';

const objects = rabbitMqObjects({
  runId: 'run1',
  namespace: 'warren-run1',
  replicas: 3,
  startPolicy: 'OrderedReady',
  image: 'rabbitmq:3.13.7-management',
  credentials: { username: 'warren', password: 'FAKE-PASSWORD', erlangCookie: 'FAKECOOKIE' },
  tableWait: { retryTimeoutMs: 3000, retryLimit: 2 },
  forceBoot: false,
  templateRevision: 1,
});

describe('exposed', () => {
  it('keeps the NodePorts warren maps on its own kind cluster', () => {
    const services = exposed(objects.podServices, 'node-ports');
    expect(services.map((s) => s.spec?.type)).toEqual(['NodePort', 'NodePort', 'NodePort']);
    expect(services.map((s) => s.spec?.ports?.[0]?.nodePort)).toEqual([30672, 30673, 30674]);
  });

  it('on a cluster warren did not create: ClusterIP, no fixed NodePort that could clash, input untouched', () => {
    const services = exposed(objects.podServices, 'port-forward');
    expect(services.map((s) => s.spec?.type)).toEqual(['ClusterIP', 'ClusterIP', 'ClusterIP']);
    expect(services.flatMap((s) => s.spec?.ports ?? []).some((port) => port.nodePort !== undefined)).toBe(false);
    expect(objects.podServices[0]!.spec?.type).toBe('NodePort');
  });
});

import type { V1Service } from '@kubernetes/client-node';

/**
 * How warren reaches each pod's AMQP port from the host: NodePorts that its own kind cluster maps to 127.0.0.1,
 * or (on a cluster warren did not create, where fixed NodePorts could clash with others) ClusterIP Services and
 * `kubectl port-forward`.
 */
export type Exposure = 'node-ports' | 'port-forward';

export function exposed(services: readonly V1Service[], exposure: Exposure): V1Service[] {
  if (exposure === 'node-ports') return [...services];
  return services.map((service) => {
    const copy = structuredClone(service);
    copy.spec = { ...copy.spec, type: 'ClusterIP', ports: (copy.spec?.ports ?? []).map(({ nodePort: _nodePort, ...port }) => port) };
    return copy;
  });
}

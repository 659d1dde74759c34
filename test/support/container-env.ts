import type { KubeDoc } from '../../src/platforms/kind/fake/fake-kube-api.js';

/**
 * A container's environment as the kubelet gives it to the process: `valueFrom.fieldRef` of the pod's name and
 * namespace filled in, and `$(NAME)` in a value replaced by an earlier variable of the list (left as written when
 * there is none), `$$` by `$` (Kubernetes third_party/forked/golang/expansion). Variables from Secrets or ConfigMaps
 * are left out: nothing here reads them.
 */
export function containerEnv(pod: KubeDoc, container: string): Record<string, string> {
  const spec = ((pod.spec?.containers ?? []) as KubeDoc[]).find((candidate) => candidate.name === container);
  if (!spec) throw new Error(`pod ${pod.metadata?.name}: no container ${container}`);
  const fields: Record<string, unknown> = { 'metadata.name': pod.metadata?.name, 'metadata.namespace': pod.metadata?.namespace };
  const env: Record<string, string> = {};
  for (const variable of (spec.env ?? []) as KubeDoc[]) {
    if (typeof variable.value === 'string') env[variable.name] = expand(variable.value, env);
    else if (variable.value === undefined && variable.valueFrom === undefined) env[variable.name] = '';
    else if (variable.valueFrom?.fieldRef && fields[variable.valueFrom.fieldRef.fieldPath] !== undefined) env[variable.name] = String(fields[variable.valueFrom.fieldRef.fieldPath]);
  }
  return env;
}

function expand(value: string, defined: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const next = value[i + 1];
    if (value[i] !== '$' || next === undefined) {
      out += value[i];
    } else if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = value.indexOf(')', i + 2);
      if (close === -1) return out + value.slice(i);
      const name = value.slice(i + 2, close);
      out += Object.hasOwn(defined, name) ? defined[name] : `$(${name})`;
      i = close;
    } else {
      out += value[i];
    }
  }
  return out;
}

import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { generateCredentials } from '../common/secrets.js';
import { deleteAllPods } from '../../scenarios/delete-all-pods.js';
import { fullShutdown } from '../../scenarios/full-shutdown.js';
import type { Scenario } from '../scenarios/scenario.js';
import { kindDryRun } from './kind-dry-run.js';

const KIND_CONFIG = fileURLToPath(new URL('../../kind-config.yaml', import.meta.url));

async function dryRun(installer: 'manifests' | 'helm', methods: string[], scenario: Scenario = fullShutdown) {
  const lines: string[] = [];
  const credentials = generateCredentials();
  await kindDryRun({
    scenario,
    methods,
    release: { series: '3.10', metadataStore: 'mnesia' },
    kind: { installer },
    nodes: 3,
    startPolicy: 'OrderedReady',
    kindConfigPath: KIND_CONFIG,
    write: (line) => lines.push(line),
    credentials,
  });
  return { lines, text: lines.join('\n'), credentials };
}

/** The first index of each pattern, in order; -1 where one is missing or out of order. */
function inOrder(lines: string[], patterns: RegExp[]): number[] {
  let from = 0;
  return patterns.map((pattern) => {
    const at = lines.findIndex((line, index) => index >= from && pattern.test(line));
    if (at >= 0) from = at + 1;
    return at;
  });
}

describe('kind --dry-run', () => {
  it('prints full-shutdown on kind in order: cluster, objects, the fault, the method, teardown; no secret', async () => {
    const { lines, text, credentials } = await dryRun('manifests', ['chart-force-boot']);
    const steps = inOrder(lines, [
      /^\$ kind create cluster --name warren-dryrun --config \S+ --wait 300s$/,
      /^POST \/api\/v1\/namespaces$/,
      /^POST \/api\/v1\/namespaces\/warren-dryrun-chart-force-boot\/secrets$/,
      /^POST \/apis\/apps\/v1\/namespaces\/warren-dryrun-chart-force-boot\/statefulsets$/,
      /exec rabbitmq-0 -c rabbitmq -- rabbitmqctl .* stop_app$/,
      /exec rabbitmq-1 -c rabbitmq -- rabbitmqctl .* stop_app$/,
      /exec rabbitmq-2 -c rabbitmq -- rabbitmqctl .* stop_app$/,
      /^DELETE \/api\/v1\/namespaces\/warren-dryrun-chart-force-boot\/pods\?labelSelector=/,
      /^\$ docker stop warren-dryrun-control-plane /,
      /^\$ docker start warren-dryrun-control-plane /,
      /^PUT \/api\/v1\/namespaces\/warren-dryrun-chart-force-boot\/secrets\/rabbitmq$/,
      /^PATCH \/apis\/apps\/v1\/namespaces\/warren-dryrun-chart-force-boot\/statefulsets\/rabbitmq$/,
      /^DELETE \/api\/v1\/namespaces\/warren-dryrun-chart-force-boot\/pods\/rabbitmq-0$/,
      /^DELETE \/api\/v1\/namespaces\/warren-dryrun-chart-force-boot$/,
      /^\$ kind delete cluster --name warren-dryrun$/,
    ]);
    expect(steps.every((at) => at >= 0)).toBe(true);
    // The Secret is printed where it is sent, its values redacted (where the check would find them: it can fail).
    expect(text).toMatch(/rabbitmq-password: \[REDACTED\]/);
    expect(text).not.toContain(credentials.password);
    expect(text).not.toContain(credentials.erlangCookie);
    // Reads are left out.
    expect(lines.some((line) => line.startsWith('GET '))).toBe(false);
  }, 60_000);

  it('with the helm installer: the chart install with its values on stdin, secrets redacted', async () => {
    const { lines, text, credentials } = await dryRun('helm', ['none']);
    const install = lines.findIndex((line) => /^\$ helm install rabbitmq oci:\/\/registry-1\.docker\.io\/bitnamicharts\/rabbitmq /.test(line));
    expect(install).toBeGreaterThan(0);
    expect(lines[install + 1]).toMatch(/# stdin:/);
    expect(text).toMatch(/password: \[REDACTED\]/);
    expect(text).not.toContain(credentials.password);
    expect(text).not.toContain(credentials.erlangCookie);
  }, 60_000);

  it('one kind cluster for the run, a namespace per method, the kill sent to the nodes of that cluster', async () => {
    const { lines } = await dryRun('manifests', ['none', 'force-load-file'], deleteAllPods);
    expect(lines.filter((line) => line.startsWith('$ kind create cluster'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('$ kind delete cluster'))).toHaveLength(1);
    expect(lines.filter((line) => /^POST \/api\/v1\/namespaces$/.test(line))).toHaveLength(2);
    const kills = lines.filter((line) => line.startsWith('$ docker exec '));
    expect(kills.length).toBeGreaterThanOrEqual(6);
    expect(kills.every((line) => /^\$ docker exec warren-dryrun-worker[23]? sh -c /.test(line))).toBe(true);
    // Stable text: no temporary directory's random part.
    expect(lines.find((line) => line.startsWith('$ kind create cluster'))).toContain('--config $TMPDIR/warren-kind-warren-dryrun-XXXXXX/kind-config.yaml');
    expect(lines.at(-1)).toBe('# 2 of 2 methods simulated to the end');
  }, 60_000);

  it('connects to nothing but the simulated API: no AMQP socket to the printed host ports, which are the NodePorts on every run', async () => {
    // Every TCP connection this process opens (http to the fake API, amqplib to a broker) goes through Socket#connect.
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const { lines, text } = await dryRun('manifests', ['none', 'force-load-file'], deleteAllPods);
    // net.connect hands Socket#connect its normalised arguments: [options, callback].
    const ports = connect.mock.calls.map(([first]) => {
      const options: unknown = Array.isArray(first) ? first[0] : first;
      return typeof options === 'object' && options !== null && 'port' in options ? Number(options.port) : Number(options);
    });
    // The fake API's port, and only it: the pods that boot again unready would be probed over AMQP otherwise.
    expect(ports.length).toBeGreaterThan(0);
    expect(new Set(ports).size).toBe(1);
    expect(ports).not.toContain(30672);
    // The kind config maps each NodePort to the same host port: no free-port search, the same text every time.
    expect(text).toMatch(/containerPort: 30672\n\s+hostPort: 30672/);
    expect(lines.find((line) => line.includes('AMQP not simulated') || line.includes('simulation stopped'))).toBeUndefined();
  }, 60_000);
});

import { ClusterCommandError } from '../../common/errors.js';
import { firstLine } from '../../common/text.js';
import type { CommandRunner } from './command-runner.js';

/** A pod's container on its kind node, as the CRI knows it (labels kubelet puts on every container). */
export interface PodContainer {
  /** The kind node (a Docker container) the pod runs on: the pod's spec.nodeName. */
  node: string;
  namespace: string;
  pod: string;
  container: string;
}

// `crictl ps` lists running containers; kubelet labels each with its pod's namespace and name.
const FIND = 'crictl ps -q --name "^$3\\$" --label io.kubernetes.pod.namespace="$1" --label io.kubernetes.pod.name="$2"';

/**
 * SIGKILL to the container's main process, from the node: `crictl inspect` gives its PID in the node's PID
 * namespace. Exit 1 when no such container runs. A container that exits between `ps` and `inspect` (no PID, or 0,
 * which `kill` would take for the script's own process group) or before the signal lands is gone already: no error.
 */
export const KILL_SCRIPT = `id=$(${FIND}) || exit 2; [ -n "$id" ] || exit 1; for c in $id; do pid=$(crictl inspect -o go-template --template '{{.info.pid}}' "$c" 2>/dev/null); case "$pid" in ''|0) continue ;; esac; kill -KILL "$pid" 2>/dev/null || true; done`;

/**
 * Containers on a kind node, through `docker exec <node> sh -c …` (a kind node is a Docker container running
 * kubelet and containerd, with crictl and procps in its image: kind's images/base Dockerfile). RabbitMQ's node name
 * is not on the Erlang VM's command line (the prelaunch starts distribution itself; measured on 3.10.8 with `ps`),
 * so a pod's process is found through the CRI's pod labels, never by a name pattern.
 */
export class NodeContainers {
  constructor(private readonly run: CommandRunner) {}

  /**
   * SIGKILL, as a crashed machine would. A process inside the container cannot SIGKILL its own PID 1, and a pod
   * delete only ever starts with SIGTERM, even with --grace-period=0 --force (kubernetes#120449, #86914): this is
   * the one way to kill RabbitMQ in a pod without a graceful stop. Resolves to whether a container was running;
   * throws ClusterCommandError when docker or the node's tools failed.
   */
  async kill(target: PodContainer): Promise<{ killed: boolean }> {
    const result = await this.#script(target, KILL_SCRIPT);
    if (result.exitCode > 1) throw new ClusterCommandError(`killing ${target.pod} on ${target.node} failed (exit ${result.exitCode}): ${firstLine(result.stderr)}`);
    return { killed: result.exitCode === 0 };
  }

  #script(target: PodContainer, script: string) {
    return this.run('docker', ['exec', target.node, 'sh', '-c', script, 'sh', target.namespace, target.pod, target.container], { timeoutMs: 30_000 });
  }
}

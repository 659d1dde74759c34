import { execa } from 'execa';

/** What the kind e2e suite needs on the host: a running Docker engine, kind, kubectl and helm. */
const TOOLS = ['docker', 'kind', 'kubectl', 'helm'] as const;

/** The name used for Docker in `missing`: the binary alone is not enough, the engine must answer. */
export const DOCKER_ENGINE = 'docker (a running engine)';

async function onPath(tool: string): Promise<boolean> {
  // The tool name is one of TOOLS, never input: safe to put in a shell command line.
  const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false, timeout: 10_000 });
  return found.exitCode === 0;
}

/**
 * Whether the kind e2e suite can run here. Checks every tool (it never stops at the first gap), so a skip
 * message names everything that is missing at once. `docker info` must succeed: a Docker CLI without a
 * reachable engine (the usual state of this workplace) is as good as none.
 */
export async function kindEnvironment(): Promise<{ ok: true } | { ok: false; missing: string[] }> {
  const missing: string[] = [];
  for (const tool of TOOLS) {
    const present = await onPath(tool);
    if (tool === 'docker') {
      const engine = present && (await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 15_000 })).exitCode === 0;
      if (!engine) missing.push(DOCKER_ENGINE);
    } else if (!present) {
      missing.push(tool);
    }
  }
  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}

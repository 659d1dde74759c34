import { execa } from 'execa';
import { EnvironmentError } from '../common/errors.js';
import type { Redactor } from '../common/secrets.js';
import { KindPlatform, type KindOptions } from './kind/kind-platform.js';
import { LocalPlatform } from './local/local-platform.js';
import type { Platform, PlatformName } from '../core/platform.js';

/** The docker platform needs a Docker engine; say exactly which part is missing, before anything starts. */
async function missingContainerTools(tools: readonly ('docker' | 'kind')[]): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of tools) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) {
      missing.push(`${tool} (not on PATH)`);
      continue;
    }
    if (tool === 'docker') {
      const info = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 10_000 });
      if (info.exitCode !== 0) missing.push('a running Docker engine (`docker info` failed)');
    }
  }
  return missing;
}

class ContainerPlatform implements Platform {
  constructor(
    readonly name: Exclude<PlatformName, 'local'>,
    private readonly tools: readonly ('docker' | 'kind')[],
  ) {}

  async preflight(): Promise<void> {
    const missing = await missingContainerTools(this.tools);
    if (missing.length > 0) throw new EnvironmentError(`${this.name} platform: missing ${missing.join(', ')}`);
    throw new EnvironmentError(`${this.name} platform: not implemented in this version of warren yet; use --platform local`);
  }

  provision(): never {
    throw new EnvironmentError(`${this.name} platform: not available yet`);
  }
}

export function createPlatform(name: PlatformName, options: { redactor: Redactor; runId?: string; kind?: Partial<KindOptions> }): Platform {
  switch (name) {
    case 'local':
      return new LocalPlatform({ redactor: options.redactor });
    case 'docker':
      return new ContainerPlatform('docker', ['docker']);
    case 'kind':
      return new KindPlatform({ redactor: options.redactor, ...(options.runId ? { runId: options.runId } : {}), ...options.kind });
  }
}

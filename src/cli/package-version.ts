import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../common/errors.js';

/**
 * warren's version, read from the nearest package.json named `warren` above this file: the same answer from
 * `src/cli/` in a clone, `dist/src/cli/` when built and `node_modules/warren/…` when installed.
 * @throws HarnessError when no such package.json exists (a broken install).
 */
export function packageVersion(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === 'warren' && typeof manifest.version === 'string') return manifest.version;
    if (dirname(dir) === dir) throw new HarnessError(`no package.json of warren above ${start}`);
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as { name?: unknown; version?: unknown };
}

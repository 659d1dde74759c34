import { access, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

interface Manifest {
  name: string;
  bin: Record<string, string>;
  exports: { '.': { types: string; default: string } };
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
}

const manifest = JSON.parse(await readFile('package.json', 'utf8')) as Manifest;

let packedFiles: Promise<string[]> | undefined;
/** The files `npm pack` would put in the tarball (without running prepack: no build here). */
function packed(): Promise<string[]> {
  packedFiles ??= execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { timeout: 30_000 }).then((result) =>
    (JSON.parse(result.stdout) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path),
  );
  return packedFiles;
}

/** What a project that installs warren gets: the built library entry and the `warren` command. */
describe('the package', () => {
  it('the exports entry is built and imports by the package name with the same names as src/index.ts', async () => {
    const entry = manifest.exports['.'];
    await expect(access(entry.default), `${entry.default} is missing: run npm run build (scripts/setup.sh does when it is missing)`).resolves.toBeUndefined();
    await expect(access(entry.types), `${entry.types} is missing: run npm run build`).resolves.toBeUndefined();
    // A child Node resolves `warren` through package.json's exports, as a dependent project would (self-reference).
    const child = await execa(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('warren'); process.stdout.write(JSON.stringify(Object.keys(m).sort()))"],
      { reject: false, timeout: 30_000 },
    );
    expect(child.exitCode, child.stderr).toBe(0);
    const built = JSON.parse(child.stdout) as string[];
    // The same names as the source: a stale build (older than src/index.ts) fails here.
    expect(built).toEqual(Object.keys(api).sort());
    for (const name of ['runCli', 'runScenario', 'defineScenario', 'SCENARIOS', 'runCheck', 'UsageError', 'HarnessError']) expect(built).toContain(name);
    expect(manifest.scripts.prepack).toBe('npm run build'); // so a packed or git-installed warren has it
  }, 40_000);

  it('the public API is what src/index.ts promises: the built-in registry, the CLI entry, the error classes', () => {
    expect([...api.SCENARIOS.keys()]).toEqual(['full-shutdown', 'delete-all-pods', 'mismatched-cookie', 'helm3-reinstall-race', 'password-drift', 'distribution-blip', 'fresh-formation', 'scale-down', 'queue-declared-while-member-down', 'delete-pod-with-drain', 'upgrade']);
    expect(new api.UsageError('x')).toBeInstanceOf(api.HarnessError);
    expect(api.EXIT).toEqual({ passed: 0, finding: 1, usage: 2, harness: 3, interrupted: 130 });
    const fullShutdown = api.SCENARIOS.get('full-shutdown')!;
    expect(() => api.defineScenario({ ...fullShutdown, methods: [...fullShutdown.methods, fullShutdown.methods[0]!] })).toThrow(/method none listed twice/);
  });

  it('ships what the bin needs: its script, the TypeScript it runs, tsconfig.json, the scenarios and fixtures, the build; no tests', async () => {
    expect(manifest.bin).toEqual({ warren: 'bin/warren.js' });
    const files = await packed();
    for (const file of ['bin/warren.js', 'src/cli/main.ts', 'src/index.ts', 'tsconfig.json', 'kind-config.yaml', 'fixtures/kind/rabbitmq.yaml', manifest.exports['.'].default.slice(2)]) {
      expect(files, file).toContain(file);
    }
    for (const scenario of ['full-shutdown', 'delete-all-pods', 'mismatched-cookie', 'helm3-reinstall-race', 'password-drift', 'distribution-blip', 'fresh-formation', 'scale-down', 'queue-declared-while-member-down', 'delete-pod-with-drain', 'upgrade']) expect(files).toContain(`scenarios/${scenario}.ts`);
    expect(files.filter((file) => /\.test\.|^test\//.test(file))).toEqual([]);
  }, 40_000);

  it('every package the shipped code imports at run time is a dependency, not a devDependency', async () => {
    const sources = (await packed()).filter((path) => /^(bin|src|scenarios)\/.*\.[jt]s$/.test(path));
    const imported = new Set<string>();
    for (const path of sources) {
      const text = await readFile(path, 'utf8');
      // Value imports only: `import type` and `export type` vanish at run time.
      for (const match of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/gm)) {
        const specifier = match[1] ?? match[2]!;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!name.startsWith('node:') && !builtinModules.includes(name)) imported.add(name);
      }
    }
    expect([...imported].sort()).toEqual(expect.arrayContaining(['commander', 'tsx']));
    expect([...imported].filter((name) => !(name in manifest.dependencies))).toEqual([]);
  }, 40_000);
});

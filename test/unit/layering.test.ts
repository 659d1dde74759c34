import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type IConfiguration } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layering rule `npm test` runs (.dependency-cruiser.cjs): warren's own tree passes it, and a tree with one
 * folder-level import cycle, a module cycle or a test import fails it, each naming the rule it breaks.
 */
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function violations(baseDir: string): Promise<string[]> {
  const options: ICruiseOptions = { ...config.options, baseDir, ruleSet: { forbidden: config.forbidden }, validate: true, outputType: 'json' } as ICruiseOptions;
  const result = await cruise(['src', 'scenarios'], options);
  const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
  return (output.summary.violations as { rule: { name: string }; from: string; to: string }[]).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

/** A tree of modules, each importing the named files (paths relative to the tree's root). */
async function tree(files: Record<string, string[]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warren-layering-'));
  dirs.push(dir);
  await mkdir(join(dir, 'scenarios'));
  for (const [file, imports] of Object.entries(files)) {
    await mkdir(join(dir, dirname(file)), { recursive: true });
    const lines = imports.map((target, index) => `import { x as x${index} } from '${relativeSpecifier(file, target)}';`);
    await writeFile(join(dir, file), [...lines, `export const x = 1;`, ''].join('\n'));
  }
  return dir;
}

function relativeSpecifier(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return `${'../'.repeat(up)}${to.replace(/\.ts$/, '.js')}`;
}

describe('layering (dependency-cruiser, run by npm test)', () => {
  it("warren's own src and scenarios break no rule", async () => {
    expect(await violations(process.cwd())).toEqual([]);
  });

  it('imports down the layers break no rule', async () => {
    const dir = await tree({ 'src/common/a.ts': [], 'src/core/b.ts': ['src/common/a.ts'], 'src/run/c.ts': ['src/core/b.ts', 'src/common/a.ts'] });
    expect(await violations(dir)).toEqual([]);
  });

  it('a folder-level cycle through a third folder fails, though no module cycle exists', async () => {
    // run -> checks -> core -> run: three different modules, so only the layer rule can see it.
    const dir = await tree({ 'src/run/drill.ts': ['src/checks/check.ts'], 'src/checks/check.ts': ['src/core/context.ts'], 'src/core/context.ts': ['src/run/logger.ts'], 'src/run/logger.ts': [] });
    expect(await violations(dir)).toEqual(['layer-core: src/core/context.ts -> src/run/logger.ts']);
  });

  it('a folder that is no layer fails, on both ends (else util <-> cli would be a cycle no rule sees)', async () => {
    const dir = await tree({ 'src/util/a.ts': ['src/cli/b.ts'], 'src/cli/b.ts': ['src/util/c.ts'], 'src/util/c.ts': [] });
    expect((await violations(dir)).sort()).toEqual(['layers-only-targets: src/cli/b.ts -> src/util/c.ts', 'layers-only: src/util/a.ts -> src/cli/b.ts']);
  });

  it('shipped code importing a built copy of warren or a fixture fails', async () => {
    const dir = await tree({ 'src/common/a.ts': ['dist/src/index.ts', 'fixtures/x.ts'], 'dist/src/index.ts': [], 'fixtures/x.ts': [] });
    expect(await violations(dir)).toEqual(['inside-the-package: src/common/a.ts -> dist/src/index.ts', 'inside-the-package: src/common/a.ts -> fixtures/x.ts']);
  });

  it('a module cycle inside one folder fails', async () => {
    const dir = await tree({ 'src/run/a.ts': ['src/run/b.ts'], 'src/run/b.ts': ['src/run/a.ts'] });
    expect(await violations(dir)).toEqual([expect.stringMatching(/^no-circular: src\/run\/[ab]\.ts -> src\/run\/[ab]\.ts$/)]);
  });

  it('shipped code importing test support fails', async () => {
    const dir = await tree({ 'src/run/a.ts': ['test/support/fake.ts'], 'test/support/fake.ts': [] });
    expect(await violations(dir)).toEqual(['inside-the-package: src/run/a.ts -> test/support/fake.ts']);
  });
});

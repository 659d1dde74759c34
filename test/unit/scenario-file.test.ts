import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { isScenarioPath, loadScenarioDirectory, loadScenarioFile } from '../../src/cli/scenario-file.js';
import { SCENARIOS } from '../../scenarios/registry.js';

/**
 * Drill files (`warren scenario ./my-outage.ts`, `warren list ./dir`): a good one loads as a scenario; every bad
 * one is a one-line UsageError (exit 2) that says what is wrong and where. TypeScript files are type-checked against
 * warren's own types, so a type error is reported before anything runs; `.mjs` fixtures skip that (and its seconds).
 */
const GOOD = `import { defineScenario, Expect, irreversible, method, Recoveries, type DrillContext, type Fault } from 'warren';
class NoFault implements Fault {
  readonly name = 'nothing';
  readonly description = 'does nothing';
  readonly requires = [] as const;
  async inject(context: DrillContext) {
    context.mark('nothing');
    return irreversible;
  }
}
export default defineScenario({ name: 'my-drill', description: 'a drill of my own', fault: new NoFault(), methods: [method(Recoveries.none(), Expect.recovers())] });
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warren-scenario-file-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

async function refusal(path: string): Promise<string> {
  const error = await loadScenarioFile(path, SCENARIOS).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

const shown = (path: string) => relative(process.cwd(), path);

describe('drill files', () => {
  it('tells a path from a built-in name', () => {
    expect(['./my-outage.ts', 'drills/x', 'x.mjs', '/abs/y.ts'].map(isScenarioPath)).toEqual([true, true, true, true]);
    expect(['full-shutdown', 'mismatched-cookie', 'all'].map(isScenarioPath)).toEqual([false, false, false]);
  });

  it('loads a TypeScript drill written against the public API, type-checked, as the scenario it exports', async () => {
    const scenario = await loadScenarioFile(await file('good.ts', GOOD), SCENARIOS);
    expect(scenario.name).toBe('my-drill');
    expect(scenario.methods.map((m) => m.recovery.name)).toEqual(['none']);
  }, 60_000);

  it('reports a type error with file, line and column, before loading the module', async () => {
    const path = await file('typed.ts', `${GOOD.replace("fault: new NoFault()", 'fault: 42')}\nthrow new Error('loaded');\n`);
    expect(await refusal(path)).toMatch(new RegExp(`^${shown(path)}:11:\\d+: type error TS2322: Type 'number' is not assignable to type 'Fault'`));
  }, 60_000);

  it('refuses a missing file, a file that is not a module, and a .ts file Node would load as CommonJS', async () => {
    expect(await refusal(join(dir, 'nope.ts'))).toBe(`${shown(join(dir, 'nope.ts'))}: no such file`);
    const text = await file('notes.txt', 'hello');
    expect(await refusal(text)).toMatch(/: a drill file is a module ending in \.ts, \.mts, \.js, \.mjs$/);
    const outside = await mkdtemp(join(tmpdir(), 'warren-scenario-file-cjs-'));
    try {
      await writeFile(join(outside, 'package.json'), '{}');
      await writeFile(join(outside, 'cjs.ts'), GOOD);
      expect(await refusal(join(outside, 'cjs.ts'))).toMatch(/cjs\.ts: not an ES module: name it \.mts, or put it under a package\.json with "type": "module"$/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it.each([
    ['no default export', 'export const x = 1;\n', /: no default export \(export default defineScenario/],
    ['a number', 'export default 7;\n', /: the default export is a number, not a scenario/],
    ['a bad name', "export default { name: 'My Drill' };\n", /: the scenario's name must be lower-case words joined by hyphens, got "My Drill"/],
    ['no fault', "export default { name: 'x', description: 'd', methods: [] };\n", /: scenario x: its fault needs a name, requires \(an array\) and inject\(\)/],
    ['no methods', "export default { name: 'x', description: 'd', fault: { name: 'f', requires: [], inject() {} }, methods: [] };\n", /: scenario x has no methods/],
    [
      'a negative control without a diagnosis',
      "export default { name: 'x', description: 'd', fault: { name: 'f', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'not-recovered', diagnoses: [] } }] };\n",
      /: scenario x: method none expects not-recovered on 3\.10\/mnesia without naming the diagnosis that must explain it$/,
    ],
    ['a module that throws', "throw new Error('no broker here');\n", /: failed to load: no broker here$/],
  ])('refuses %s, in one line', async (_what, text, expected) => {
    const path = await file(`bad-${Math.random().toString(16).slice(2)}.mjs`, text);
    expect(await refusal(path)).toMatch(expected);
  });

  it("refuses a built-in scenario's name", async () => {
    const path = await file('clash.mjs', "export default { name: 'full-shutdown', description: 'd', fault: { name: 'f', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'recovered', messages: 'kept' } }] };\n");
    expect(await refusal(path)).toMatch(/clash\.mjs: scenario name "full-shutdown" is a built-in scenario's; give yours its own$/);
  });

  it('loads every drill file of a directory in name order, and refuses two with the same scenario name', async () => {
    const scenario = (name: string) => `export default { name: '${name}', description: 'd', fault: { name: 'f', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'recovered', messages: 'kept' } }] };\n`;
    await file('drills/b.mjs', scenario('second'));
    await file('drills/a.mjs', scenario('first'));
    await file('drills/a.test.mjs', 'throw new Error("a test is not a drill");\n');
    await file('drills/README.md', '# not a drill');
    expect((await loadScenarioDirectory(join(dir, 'drills'), SCENARIOS)).map((s) => s.name)).toEqual(['first', 'second']);
    await file('drills/c.mjs', scenario('second'));
    await expect(loadScenarioDirectory(join(dir, 'drills'), SCENARIOS)).rejects.toThrow(/drills: two files define scenario "second"$/);
    await expect(loadScenarioDirectory(join(dir, 'empty-missing'), SCENARIOS)).rejects.toThrow(/empty-missing: no such directory$/);
  });
});

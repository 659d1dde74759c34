import { execa } from 'execa';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

/** A one-method scenario `x` whose method `none` has `expected` (JavaScript source). */
function withExpected(expected: string): string {
  return `export default { name: 'x', description: 'd', fault: { name: 'f', description: 'd', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', description: 'd', requires: [], mechanism() { return ''; }, apply() {} }, expected: ${expected} }] };\n`;
}

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

  it("loads the README's example, whose own check can fail (negative control: a node that does not run)", async () => {
    const example = await loadScenarioFile('examples/delete-one-pod.ts', SCENARIOS);
    const [check] = example.checks?.verify ?? [];
    expect(check?.name).toBe('pod-0-check-running');
    expect(check!.evaluate({ exitCode: 0, stdout: '', stderr: '' })).toEqual({ ok: true });
    expect(check!.evaluate({ exitCode: 69, stdout: '', stderr: 'Error: unable to perform an operation on node\n' })).toEqual({ ok: false, reason: 'check_running exited 69: Error: unable to perform an operation on node' });
  }, 60_000);

  it('reports a type error with file, line and column, before loading the module', async () => {
    const path = await file('typed.ts', `${GOOD.replace("fault: new NoFault()", 'fault: 42')}\nthrow new Error('loaded');\n`);
    expect(await refusal(path)).toMatch(new RegExp(`^${shown(path)}:11:\\d+: type error TS2322: Type 'number' is not assignable to type 'Fault'`));
  }, 60_000);

  it('type-checks the helpers it imports, written as ./helper.ts as tsx runs them, and reports a syntax error first', async () => {
    await file('helpers/ordinal.ts', 'export const FIRST: number = 0;\n');
    const good = await file('with-helper.ts', GOOD.replace("import {", "import { FIRST } from './helpers/ordinal.ts';\nvoid FIRST;\nimport {"));
    expect((await loadScenarioFile(good, SCENARIOS)).name).toBe('my-drill');
    const broken = await file('broken.ts', GOOD.replace("methods: [method(Recoveries.none(), Expect.recovers())] });", 'methods: [method(Recoveries.none(), Expect.recovers())];'));
    expect(await refusal(broken)).toMatch(new RegExp(`^${shown(broken)}:11:\\d+: syntax error TS1005: ',' expected\\. \\(and 1 more\\)$`));
  }, 60_000);

  it('follows symlinks: a linked file is judged where it lies, a directory lists linked drill files', async () => {
    const target = await file('linked/real.mjs', withExpected("{ outcome: 'recovered', messages: 'kept' }"));
    const outside = await mkdtemp(join(tmpdir(), 'warren-scenario-file-links-'));
    try {
      await symlink(await file('linked/typed.ts', GOOD), join(outside, 'typed.ts')); // no package.json beside the link
      expect((await loadScenarioFile(join(outside, 'typed.ts'), SCENARIOS)).name).toBe('my-drill');
      await rm(join(outside, 'typed.ts'));
      await symlink(target, join(outside, 'real.mjs'));
      expect((await loadScenarioDirectory(outside, SCENARIOS)).map((s) => s.name)).toEqual(['x']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a missing file, a directory, a file that is not a module, and a .ts file Node would load as CommonJS', async () => {
    expect(await refusal(join(dir, 'nope.ts'))).toBe(`${shown(join(dir, 'nope.ts'))}: no such file`);
    expect(await refusal(dir)).toBe(`${shown(dir)}: a directory; scenario drills one file (list takes a directory)`);
    const text = await file('notes.txt', 'hello');
    expect(await refusal(text)).toMatch(/: a drill file is a module ending in \.ts, \.mts, \.js, \.mjs$/);
    const outside = await mkdtemp(join(tmpdir(), 'warren-scenario-file-cjs-'));
    try {
      await writeFile(join(outside, 'package.json'), '{}');
      await writeFile(join(outside, 'cjs.ts'), GOOD);
      expect(await refusal(join(outside, 'cjs.ts'))).toMatch(/cjs\.ts: not an ES module: name it \.mts, or put it under a package\.json with "type": "module"$/);
      await writeFile(join(outside, 'package.json'), '{"type": "module",}');
      expect(await refusal(join(outside, 'cjs.ts'))).toMatch(/cjs\.ts: not an ES module: the package\.json above it is not valid JSON; name it \.mts/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it.each([
    ['no default export', 'export const x = 1;\n', /: no default export \(export default defineScenario/],
    ['a number', 'export default 7;\n', /: the default export is a number, not a scenario/],
    ['a bad name', "export default { name: 'My Drill' };\n", /: the scenario's name must be lower-case words joined by hyphens, got "My Drill"/],
    ['no fault', "export default { name: 'x', description: 'd', methods: [] };\n", /: scenario x: its fault needs a name, a description, requires \(an array\) and inject\(\)/],
    ['no methods', "export default { name: 'x', description: 'd', fault: { name: 'f', description: 'd', requires: [], inject() {} }, methods: [] };\n", /: scenario x has no methods/],
    [
      'a negative control without a diagnosis',
      "export default { name: 'x', description: 'd', fault: { name: 'f', description: 'd', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', description: 'd', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'not-recovered', diagnoses: [] } }] };\n",
      /: scenario x: method none expects not-recovered on 3\.10\/mnesia \(OrderedReady\) without naming the diagnosis that must explain it$/,
    ],
    ['a module that throws', "throw new Error('no broker here');\n", /: failed to load: no broker here$/],
    ['a promise', 'export default Promise.resolve(1);\n', /: the default export is a promise: export the scenario itself/],
    ['a class', 'export default class Drill {}\n', /: the default export is a class, not a scenario/],
    ['an unknown outcome', withExpected("{ outcome: 'bogus' }"), /: scenario x: method none on 3\.10\/mnesia \(OrderedReady\): outcome must be 'recovered', 'not-recovered', 'race' or 'not-applicable', got "bogus"$/],
    ['recovered without messages', withExpected("{ outcome: 'recovered' }"), /: scenario x: method none on 3\.10\/mnesia \(OrderedReady\): recovered needs messages 'kept' or 'lost', got undefined$/],
    ['a release that is no expectation', withExpected("{ '3.10/mnesia': 'yes' }"), /: scenario x: method none on 3\.10\/mnesia \(OrderedReady\): the expectation is "yes", not one of Expect's$/],
    ['an unknown release', withExpected("{ '3.13/mnesia': { outcome: 'recovered', messages: 'kept' } }"), /: scenario x: method none: no release 3\.13\/mnesia; releases: 3\.10\/mnesia, /],
  ])('refuses %s, in one line', async (_what, text, expected) => {
    const path = await file(`bad-${Math.random().toString(16).slice(2)}.mjs`, text);
    expect(await refusal(path)).toMatch(expected);
  });

  it('refuses, through the warren command, a module whose top-level await never settles (Node would exit 0 on it)', async () => {
    // Only a process whose event loop empties shows it: vitest's never does, so this runs the real command.
    const path = await file('stalls.mjs', 'await new Promise(() => {});\nexport default 1;\n');
    const result = await execa(process.execPath, ['bin/warren.js', 'list', path], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`warren: ${shown(path)}: its top-level code never finished (an await that can never settle)`);
  }, 60_000);

  it("refuses a built-in scenario's name", async () => {
    const path = await file('clash.mjs', "export default { name: 'full-shutdown', description: 'd', fault: { name: 'f', description: 'd', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', description: 'd', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'recovered', messages: 'kept' } }] };\n");
    expect(await refusal(path)).toMatch(/clash\.mjs: scenario name "full-shutdown" is a built-in scenario's; give yours its own$/);
  });

  it('loads every drill file of a directory in name order, and refuses two with the same scenario name', async () => {
    const scenario = (name: string) => `export default { name: '${name}', description: 'd', fault: { name: 'f', description: 'd', requires: [], inject() {} }, methods: [{ recovery: { name: 'none', description: 'd', requires: [], mechanism() { return ''; }, apply() {} }, expected: { outcome: 'recovered', messages: 'kept' } }] };\n`;
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

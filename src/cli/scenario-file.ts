import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { errorMessage, UsageError } from '../common/errors.js';
import { defineScenario, type Scenario } from '../scenarios/scenario.js';

/** The extensions a drill file may have: TypeScript (type-checked first) or JavaScript modules. */
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
/** A scenario name is a report directory and a matrix row: lower-case words joined by hyphens. */
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** warren's package root (the source tree, or the package a project installed), found from this module upward. */
const WARREN_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * Whether a `scenario`/`list` argument names a file or directory rather than a built-in scenario: it has a path
 * separator or a module extension (`./my-outage.ts`, `drills/`). Built-in names never do.
 */
export function isScenarioPath(argument: string): boolean {
  return argument.includes('/') || EXTENSIONS.includes(extname(argument));
}

/**
 * Loads a user's drill: a module whose default export is a scenario written against warren's public API
 * (`export default defineScenario({ … })`). A TypeScript file is type-checked first, against warren's own types.
 *
 * @param path the file, relative to the working directory or absolute.
 * @param builtIn the built-in scenarios, whose names a file may not take (reports and matrices name runs by them).
 * @returns the scenario, checked as {@link defineScenario} checks a built-in one.
 * @throws UsageError (one line: file, line and column for a type error) for a missing file, a type error, a module
 *   that throws while loading, or a default export that is not a scenario.
 */
export async function loadScenarioFile(path: string, builtIn: ReadonlyMap<string, Scenario>): Promise<Scenario> {
  const shown = relative(process.cwd(), resolve(path)) || path;
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new UsageError(`${shown}: a directory; scenario drills one file (list takes a directory)`);
  if (!info?.isFile()) throw new UsageError(`${shown}: no such file`);
  // Node decides a module's format (and tsx where it lies) by its real path, through any symlink.
  const file = await realpath(path);
  if (!EXTENSIONS.includes(extname(file))) throw new UsageError(`${shown}: a drill file is a module ending in ${EXTENSIONS.join(', ')}`);
  if (['.ts', '.js'].includes(extname(file))) {
    const scope = await packageType(file);
    if (scope !== 'module') {
      const fix = `name it ${extname(file) === '.ts' ? '.mts' : '.mjs'}, or put it under a package.json with "type": "module"`;
      throw new UsageError(`${shown}: not an ES module: ${scope === 'unreadable' ? `the package.json above it is not valid JSON; ${fix}` : fix}`);
    }
  }
  if (extname(file) === '.ts' || extname(file) === '.mts') typeCheck(file, shown);

  const scenario = asScenario((await importDrill(file, shown)).default, shown);
  if (builtIn.has(scenario.name)) throw new UsageError(`${shown}: scenario name "${scenario.name}" is a built-in scenario's; give yours its own`);
  return scenario;
}

/**
 * Every drill file directly in `dir` (`*.ts`, `*.mts`, `*.js`, `*.mjs`; not `*.d.ts` or `*.test.*`), loaded with
 * {@link loadScenarioFile}, in file-name order.
 * @throws UsageError for a missing directory, one without drill files, two files with the same scenario name, or
 *   any file that does not load.
 */
export async function loadScenarioDirectory(dir: string, builtIn: ReadonlyMap<string, Scenario>): Promise<Scenario[]> {
  const shown = relative(process.cwd(), resolve(dir)) || dir;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) throw new UsageError(`${shown}: no such directory`);
  const candidates = entries.filter((entry) => EXTENSIONS.includes(extname(entry.name)) && !/\.d\.m?ts$|\.test\.[mc]?[jt]s$/.test(entry.name)).map((entry) => join(dir, entry.name));
  // A symlinked drill file counts as the file it points to.
  const isFile = await Promise.all(candidates.map(async (file) => (await stat(file).catch(() => undefined))?.isFile() === true));
  const files = candidates.filter((_, i) => isFile[i]).sort();
  if (files.length === 0) throw new UsageError(`${shown}: no drill files (${EXTENSIONS.join(', ')}) in it`);
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const scenario = await loadScenarioFile(file, builtIn);
    if (scenarios.some((other) => other.name === scenario.name)) throw new UsageError(`${shown}: two files define scenario "${scenario.name}"`);
    scenarios.push(scenario);
  }
  return scenarios;
}

/**
 * Imports the drill module. Its top-level code is the user's: an `await` in it that can never settle would let
 * the event loop empty and Node exit 0 with nothing said, so that moment (`beforeExit`) fails the load instead.
 */
async function importDrill(file: string, shown: string): Promise<{ default?: unknown }> {
  let stalled: (() => void) | undefined;
  const neverSettles = new Promise<never>((_, reject) => {
    stalled = () => reject(new UsageError(`${shown}: its top-level code never finished (an await that can never settle)`));
    process.once('beforeExit', stalled);
  });
  try {
    return (await Promise.race([import(pathToFileURL(file).href), neverSettles])) as { default?: unknown };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${shown}: failed to load: ${errorMessage(error)}`);
  } finally {
    process.off('beforeExit', stalled!);
  }
}

/**
 * The first error of the file, and how many more, as one line: syntax errors first (a missing brace also makes
 * type errors further on), then type errors; the file's own imports are checked with it, warren's source is not.
 */
function typeCheck(file: string, shown: string): void {
  const options: ts.CompilerOptions = {
    ...compilerOptions(),
    noEmit: true,
    // A drill file is an ES module wherever it lies (tsx loads it as one), whatever package.json is above it,
    // and may import its helpers as `./helper.ts` (tsx runs them as written).
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    // `import … from 'warren'` is this copy of warren, from its source (as at run time).
    paths: { warren: [join(WARREN_ROOT, 'src/index.ts')] },
  };
  const program = ts.createProgram({ rootNames: [file], options });
  const own = (diagnostics: readonly ts.Diagnostic[]) => diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error && (d.file === undefined || !isWarrenSource(d.file.fileName)));
  const syntax = own(program.getSyntacticDiagnostics());
  const [kind, diagnostics] = syntax.length > 0 ? ['syntax error', syntax] : ['type error', own(ts.getPreEmitDiagnostics(program))];
  const [first] = diagnostics;
  if (first === undefined) return;
  const message = ts.flattenDiagnosticMessageText(first.messageText, ' ').replace(/\s+/g, ' ');
  let where = shown;
  if (first.file !== undefined && first.start !== undefined) {
    const { line, character } = first.file.getLineAndCharacterOfPosition(first.start);
    where = `${relative(process.cwd(), first.file.fileName) || first.file.fileName}:${line + 1}:${character + 1}`;
  }
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
  throw new UsageError(`${where}: ${kind} TS${first.code}: ${message}${more}`);
}

/** warren's own tsconfig.json options (strict, nodenext), so a drill file is held to the rules warren's code is. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(WARREN_ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (parsed === undefined) return { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true };
  const { outDir: _outDir, rootDir: _rootDir, declaration: _declaration, ...options } = parsed.options;
  return options;
}

/**
 * How Node loads a `.ts`/`.js` file: as an ES module when its nearest package.json says `"type": "module"`;
 * `unreadable` when that package.json is not JSON (Node refuses it too).
 */
async function packageType(file: string): Promise<'module' | 'commonjs' | 'unreadable'> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined) {
      try {
        return (JSON.parse(manifest) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';
      } catch {
        return 'unreadable';
      }
    }
    if (dirname(dir) === dir) return 'commonjs';
  }
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'index.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error(`warren's package root not found above ${from}`);
  }
}

function isWarrenSource(fileName: string): boolean {
  return relative(WARREN_ROOT, fileName).startsWith(`src${sep}`);
}

/** The default export, if it is a scenario; defineScenario's own checks run again (a plain object skipped them). */
function asScenario(value: unknown, shown: string): Scenario {
  const what = (problem: string) => new UsageError(`${shown}: ${problem} (export default defineScenario({ name, description, fault, methods }))`);
  if (value === undefined) throw what('no default export');
  if (typeof value === 'function') throw what(`the default export is a ${/^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function'}, not a scenario`);
  if (typeof value !== 'object' || value === null) throw what(`the default export is ${value === null ? 'null' : `a ${typeof value}`}, not a scenario`);
  if (typeof (value as { then?: unknown }).then === 'function') throw what('the default export is a promise: export the scenario itself');
  const candidate = value as Partial<Scenario>;
  if (typeof candidate.name !== 'string' || !NAME.test(candidate.name)) throw what(`the scenario's name must be lower-case words joined by hyphens, got ${JSON.stringify(candidate.name)}`);
  if (typeof candidate.description !== 'string' || candidate.description.trim() === '') throw what(`scenario ${candidate.name} has no description`);
  const fault = candidate.fault as Partial<Scenario['fault']> | undefined;
  if (typeof fault?.name !== 'string' || typeof fault.description !== 'string' || typeof fault.inject !== 'function' || !Array.isArray(fault.requires)) {
    throw what(`scenario ${candidate.name}: its fault needs a name, a description, requires (an array) and inject()`);
  }
  if (!Array.isArray(candidate.methods) || candidate.methods.length === 0) throw what(`scenario ${candidate.name} has no methods`);
  for (const [index, entry] of candidate.methods.entries()) {
    const recovery = (entry as Partial<Scenario['methods'][number]> | undefined)?.recovery;
    if (typeof recovery?.name !== 'string' || typeof recovery.description !== 'string' || typeof recovery.apply !== 'function' || typeof recovery.mechanism !== 'function' || !Array.isArray(recovery.requires)) {
      throw what(`scenario ${candidate.name}: method ${index + 1} needs a recovery with name, description, requires, mechanism() and apply()`);
    }
  }
  try {
    return defineScenario(candidate as Scenario);
  } catch (error) {
    throw new UsageError(`${shown}: ${errorMessage(error)}`);
  }
}

import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
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
  const file = resolve(path);
  const shown = relative(process.cwd(), file) || file;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${shown}: no such file`);
  if (!EXTENSIONS.includes(extname(file))) throw new UsageError(`${shown}: a drill file is a module ending in ${EXTENSIONS.join(', ')}`);
  if (['.ts', '.js'].includes(extname(file)) && !(await inModulePackage(file))) {
    throw new UsageError(`${shown}: not an ES module: name it ${extname(file) === '.ts' ? '.mts' : '.mjs'}, or put it under a package.json with "type": "module"`);
  }
  if (extname(file) === '.ts' || extname(file) === '.mts') typeCheck(file, shown);

  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`${shown}: failed to load: ${errorMessage(error)}`);
  }
  const scenario = asScenario(loaded.default, shown);
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
  const files = entries
    .filter((entry) => entry.isFile() && EXTENSIONS.includes(extname(entry.name)) && !/\.d\.m?ts$|\.test\.[mc]?[jt]s$/.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
  if (files.length === 0) throw new UsageError(`${shown}: no drill files (${EXTENSIONS.join(', ')}) in it`);
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const scenario = await loadScenarioFile(file, builtIn);
    if (scenarios.some((other) => other.name === scenario.name)) throw new UsageError(`${shown}: two files define scenario "${scenario.name}"`);
    scenarios.push(scenario);
  }
  return scenarios;
}

/** The first type error of the file, and how many more, as one line; the file's own imports are checked with it. */
function typeCheck(file: string, shown: string): void {
  const options: ts.CompilerOptions = {
    ...compilerOptions(),
    noEmit: true,
    // A drill file is an ES module wherever it lies (tsx loads it as one), whatever package.json is above it.
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // `import … from 'warren'` is this copy of warren, from its source (as at run time).
    paths: { warren: [join(WARREN_ROOT, 'src/index.ts')] },
  };
  const program = ts.createProgram({ rootNames: [file], options });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error && (d.file === undefined || !isWarrenSource(d.file.fileName)));
  const [first] = diagnostics;
  if (first === undefined) return;
  const message = ts.flattenDiagnosticMessageText(first.messageText, ' ');
  let where = shown;
  if (first.file !== undefined && first.start !== undefined) {
    const { line, character } = first.file.getLineAndCharacterOfPosition(first.start);
    where = `${relative(process.cwd(), first.file.fileName) || first.file.fileName}:${line + 1}:${character + 1}`;
  }
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
  throw new UsageError(`${where}: type error TS${first.code}: ${message}${more}`);
}

/** warren's own tsconfig.json options (strict, nodenext), so a drill file is held to the rules warren's code is. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(WARREN_ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (parsed === undefined) return { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true };
  const { outDir: _outDir, rootDir: _rootDir, declaration: _declaration, ...options } = parsed.options;
  return options;
}

/** Whether Node loads a `.ts`/`.js` file as an ES module: its nearest package.json says `"type": "module"`. */
async function inModulePackage(file: string): Promise<boolean> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined) {
      try {
        return (JSON.parse(manifest) as { type?: unknown }).type === 'module';
      } catch {
        return false; // Node refuses a broken package.json too
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'index.ts'))) return dir;
    if (dirname(dir) === dir) throw new Error(`warren's package root not found above ${from}`);
  }
}

function isWarrenSource(fileName: string): boolean {
  const inWarren = relative(WARREN_ROOT, fileName);
  return !inWarren.startsWith('..') && !inWarren.startsWith('node_modules') && dirname(inWarren).startsWith('src');
}

/** The default export, if it is a scenario; defineScenario's own checks run again (a plain object skipped them). */
function asScenario(value: unknown, shown: string): Scenario {
  const what = (problem: string) => new UsageError(`${shown}: ${problem} (export default defineScenario({ name, description, fault, methods }))`);
  if (value === undefined) throw what('no default export');
  if (typeof value !== 'object' || value === null) throw what(`the default export is a ${typeof value}, not a scenario`);
  const candidate = value as Partial<Scenario>;
  if (typeof candidate.name !== 'string' || !NAME.test(candidate.name)) throw what(`the scenario's name must be lower-case words joined by hyphens, got ${JSON.stringify(candidate.name)}`);
  if (typeof candidate.description !== 'string' || candidate.description.trim() === '') throw what(`scenario ${candidate.name} has no description`);
  const fault = candidate.fault as Partial<Scenario['fault']> | undefined;
  if (typeof fault?.name !== 'string' || typeof fault.inject !== 'function' || !Array.isArray(fault.requires)) throw what(`scenario ${candidate.name}: its fault needs a name, requires (an array) and inject()`);
  if (!Array.isArray(candidate.methods) || candidate.methods.length === 0) throw what(`scenario ${candidate.name} has no methods`);
  for (const [index, entry] of candidate.methods.entries()) {
    const recovery = (entry as Partial<Scenario['methods'][number]> | undefined)?.recovery;
    if (typeof recovery?.name !== 'string' || typeof recovery.apply !== 'function' || typeof recovery.mechanism !== 'function' || !Array.isArray(recovery.requires)) {
      throw what(`scenario ${candidate.name}: method ${index + 1} needs a recovery with name, requires, mechanism() and apply()`);
    }
    if (typeof entry.expected !== 'object' || entry.expected === null) throw what(`scenario ${candidate.name}: method ${recovery.name} has no expectation`);
  }
  try {
    return defineScenario(candidate as Scenario);
  } catch (error) {
    throw new UsageError(`${shown}: ${errorMessage(error)}`);
  }
}

import { vi } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { SCENARIOS } from '../../scenarios/registry.js';
import type { Scenario } from '../../src/scenarios/scenario.js';

export interface CliResult {
  exitCode: number | 'still running';
  stdout: string;
  stderr: string;
}

/**
 * The CLI in this process (fast, and no other warren on the machine can disturb it), with stdout and stderr
 * captured. A command that has not ended within `withinMs` started something: it is stopped the way Ctrl-C
 * stops it (so a failing test tears down what it started) and reported as still running.
 */
export async function cli(argv: string[], scenarios: ReadonlyMap<string, Scenario> = SCENARIOS, withinMs = 5_000): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: unknown) => {
    into.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout)),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr)),
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(`${parts.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(`${parts.join(' ')}\n`)),
  ];
  try {
    const run = runCli(argv, scenarios);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), withinMs)));
    const exitCode = await Promise.race([run, late]);
    clearTimeout(timer);
    if (exitCode === 'still running') {
      process.emit('SIGINT', 'SIGINT');
      await Promise.race([run, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    }
    return { exitCode, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

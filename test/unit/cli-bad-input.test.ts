import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { labelledProcesses, runDirectories } from '../support/leftovers.js';

async function cli(...args: string[]) {
  return execa('npx', ['tsx', 'src/cli/main.ts', ...args], { reject: false });
}

/** Bad input: one line naming the valid choices, exit 2, nothing started. */
describe('bad input', () => {
  it.each([
    [['scenario', 'no-such-scenario'], /unknown scenario "no-such-scenario"; valid: full-shutdown/],
    [['scenario', 'full-shutdown', '--methods', 'chart-force-boot,bogus'], /unknown method "bogus" for full-shutdown; valid: none, chart-force-boot, statefulset-force-boot, force-load-file, definitions-reimport, parallel-restart/],
    [['scenario', 'full-shutdown', '--nodes', '0'], /--nodes must be a whole number from 1 to 9, got "0"/],
    [['scenario', 'full-shutdown', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['scenario', 'full-shutdown', '--platform', 'mars'], /unknown platform "mars"; valid: local, docker, kind/],
    [['scenario'], /name one scenario \(full-shutdown, delete-all-pods, mismatched-cookie\)/],
    [['explode'], /unknown command "explode"; valid: scenario <name>, list, cleanup/],
  ])('%j → exit 2 with one line', async (args, message) => {
    const before = await runDirectories();
    const processesBefore = await labelledProcesses();
    const result = await cli(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(await runDirectories()).toEqual(before);
    const started = (await labelledProcesses()).filter((pid) => !processesBefore.includes(pid));
    expect(started).toEqual([]);
  }, 20_000);

  it('--platform kind without Docker/kind: one line naming what is missing, exit 3', async () => {
    const result = await cli('scenario', 'full-shutdown', '--platform', 'kind');
    expect(result.exitCode).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^warren: kind platform: missing .*(kind \(not on PATH\)|Docker engine)/);
  }, 20_000);

  it('list shows every scenario, method and expectation', async () => {
    const result = await cli('list');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/full-shutdown/);
    expect(result.stdout).toMatch(/none\s+expected not-recovered/);
    expect(result.stdout).toMatch(/force-load-file\s+expected recovered, messages kept/);
  }, 20_000);
});

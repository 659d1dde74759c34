import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { Fault } from '../../src/faults/fault.js';
import type { Recovery } from '../../src/recoveries/recovery.js';
import { Expect, method } from '../../src/scenarios/methods.js';
import { defineScenario } from '../../src/scenarios/scenario.js';
import { labelledRuns, runDirectories } from '../support/leftovers.js';

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
    [['scenario'], /name one scenario \(full-shutdown, delete-all-pods, mismatched-cookie\) or all/],
    [['scenario', 'all', '--rollout', 'rolling'], /--rollout does not apply to all: all runs every rollout/],
    [['scenario', 'all', '--methods', 'none,bogus'], /unknown method "bogus" for all; valid: none, .*restore-credentials/],
    [['explode'], /unknown command "explode"; valid: scenario <name>\|all, list, cleanup/],
  ])('%j → exit 2 with one line', async (args, message) => {
    // Compared by what is new, so that another warren run on the machine (its pods restart) is not counted.
    const before = await runDirectories();
    const runsBefore = await labelledRuns();
    const result = await cli(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect((await runDirectories()).filter((dir) => !before.includes(dir))).toEqual([]);
    expect([...(await labelledRuns())].filter((run) => !runsBefore.has(run))).toEqual([]);
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
    expect(result.stdout).toMatch(/mismatched-cookie --rollout rolling: /);
    expect(result.stdout).toMatch(/chart-force-boot\s+expected not-recovered \(split-cluster\)/);
  }, 20_000);
});

/** `list` in-process, on a fake registry: what an operator reads before choosing a run. */
describe('list', () => {
  const recovery = (name: string) => ({ name, description: `${name} (fake)` }) as unknown as Recovery;
  const fault = (name: string) => ({ name, description: 'fake fault' }) as unknown as Fault;
  const rolling = defineScenario({
    name: 'fake-outage',
    rollout: 'rolling',
    description: 'fake outage, replaced pod by pod',
    fault: fault('fake-outage (rolling)'),
    methods: [method(recovery('none'), Expect.staysDown('split-cluster')), method(recovery('fake-long-method-name'), Expect.recoversMessagesLost())],
  });
  const scenarios = new Map([
    ['fake-outage', defineScenario({
      name: 'fake-outage',
      rollout: 'reinstall',
      description: 'fake outage, reinstalled',
      fault: fault('fake-outage'),
      methods: [method(recovery('none'), Expect.staysDown('access-refused')), method(recovery('fake-fix'), Expect.recovers())],
      variants: { rolling },
    })],
  ]);

  async function listed(): Promise<string[]> {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await runCli(['list'], scenarios)).toBe(0);
    return log.mock.calls.map((call) => call.join(' '));
  }

  it('shows every scenario and variant with its fault and each method, aligned, with its expectation', async () => {
    const lines = await listed();
    expect(lines.slice(0, 4)).toEqual([
      'fake-outage: fake outage, reinstalled',
      '  fault: fake-outage',
      '  none                   expected not-recovered (access-refused)',
      '  fake-fix               expected recovered, messages kept',
    ]);
    expect(lines.slice(5, 9)).toEqual([
      'fake-outage --rollout rolling: fake outage, replaced pod by pod',
      '  fault: fake-outage (rolling)',
      '  none                   expected not-recovered (split-cluster)',
      '  fake-long-method-name  expected recovered, messages lost',
    ]);
  });

  it('ends by telling how to run one scenario and the whole matrix', async () => {
    const lines = await listed();
    expect(lines.at(-2)).toContain('npm run scenario <name> -- [--methods a,b] [--rollout rolling]');
    expect(lines.at(-1)).toContain('npm run scenario all');
  });
});

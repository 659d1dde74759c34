import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli-in-process.js';

const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
const EXIT_CODES = [/^ {2}0 {4}done/m, /^ {2}1 {4}a finding/m, /^ {2}2 {4}bad usage or input: nothing was started/m, /^ {2}3 {4}the environment or warren/m, /^ {2}130 {2}interrupted/m];

async function help(argv: string[]): Promise<string> {
  const result = await cli(argv);
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout;
}

/** `--help` on every command: what it does, every option with its default and unit, examples, the exit codes. */
describe('help', () => {
  it.each([[['--help']], [['-h']], [['help']]])('%j lists the commands, an example and the exit codes', async (argv) => {
    const text = await help(argv);
    expect(text).toMatch(/^Usage: warren \[options\] \[command\]/);
    for (const command of ['scenario', 'list', 'cleanup']) expect(text).toMatch(new RegExp(`^ {2}${command} .*\\S`, 'm'));
    expect(text).toContain('Examples:\n  npm run scenario full-shutdown');
    for (const code of EXIT_CODES) expect(text).toMatch(code);
  });

  it.each([[['scenario', '--help']], [['scenario', '-h']], [['help', 'scenario']], [['scenario', 'full-shutdown', '--nodes', '5', '--help']]])(
    '%j: what a drill does, every option with its default and unit, examples, exit codes',
    async (argv) => {
      const text = await help(argv);
      expect(text).toMatch(/^Usage: warren scenario <name>\|<file>\|all \[options\]/);
      expect(text.replace(/\s+/g, ' ')).toContain('Scenarios: full-shutdown, delete-all-pods, mismatched-cookie, helm3-reinstall-race, password-drift, distribution-blip, fresh-formation, scale-down, queue-declared-while-member-down, delete-pod-with-drain, upgrade, all.');
      const options = text.replace(/\n {20,}/g, ' '); // unwrap the descriptions
      const expected: [string, RegExp][] = [
        ['--platform <name>', /choices: "local", "docker", "kind", default: "local"/],
        ['--methods <a,b>', /default: all of the scenario's/],
        ['--nodes <count>', /2 to 9: every drilled fault is between peers \(default: 3\)/],
        ['--start-policy <policy>', /default: "OrderedReady"/],
        ['--report-dir <dir>', /default: reports\/<UTC time>-<name>/],
        ['--keep', /default: false/],
        ['--messages <count>', /1 to 100000 \(default: 100\)/],
        ['--recovery-timeout <seconds>', /seconds .* 10 to 3600 \(default: 120\)/],
        ['--table-wait-timeout <ms>', /in ms, 1000 to 300000 \(default: 3000\)/],
        ['--table-wait-retries <count>', /1 to 100 \(default: 2\)/],
        ['--termination-grace-period <seconds>', /terminationGracePeriodSeconds.* 1 to 3600 \(default: the pod template's: 30, Kubernetes' default; with --installer helm the chart's 120\)/],
        ['--rollout <how>', /reinstall .* the default\) or rolling/],
        ['--installer <name>', /default: manifests/],
        ['--image <ref>', /default: rabbitmq:3\.13\.7-management; with --installer helm a Bitnami image, bitnamilegacy\/rabbitmq:3\.13\.7-debian-12-r2/],
        ['--reuse-cluster', /warm kind cluster/],
        ['--context <name>', /needs --allow-context/],
        ['--allow-context <name>', /refuses any context/],
        ['--chart-version <version>', /Bitnami chart version \(with --installer helm; default: 14\.7\.0/],
        ['-h, --help', /show this help/],
        ['-V, --version', /version/],
      ];
      for (const [flag, description] of expected) {
        const line = options.split('\n').find((candidate) => candidate.trimStart().startsWith(`${flag} `));
        expect(line, flag).toMatch(description);
      }
      expect(text).toMatch(/^Options for --platform kind only:\n {2}--installer/m);
      expect(text).toContain('  npm run scenario full-shutdown -- --methods none,force-load-file --report-dir /tmp/drill');
      for (const code of EXIT_CODES) expect(text).toMatch(code);
    },
  );

  it('cleanup --help: what it sweeps, its options with defaults, examples, exit codes', async () => {
    const text = await help(['cleanup', '--help']);
    expect(text).toMatch(/^Usage: warren cleanup \[options\]/);
    expect(text).toMatch(/--platform <name> +where the run was \(choices: "local", "kind", default:\s+"local"\)/);
    expect(text).toMatch(/--run <id> +the run id/);
    expect(text).toMatch(/--all +every warren run's leftovers/);
    expect(text).toContain('  npm run warren -- cleanup --run 3f2a9c1e');
    for (const code of EXIT_CODES) expect(text).toMatch(code);
  });

  it('list --help: what it shows, an example, exit codes', async () => {
    const text = await help(['list', '--help']);
    expect(text).toMatch(/^Usage: warren list \[options\] \[name\|path\]\n\nList every scenario/);
    expect(text).toContain('  npm run warren -- list');
    for (const code of EXIT_CODES) expect(text).toMatch(code);
  });

  it.each([[['--version']], [['-V']], [['scenario', '--version']], [['list', '-V']], [['cleanup', '--version']]])('%j prints the version from package.json', async (argv) => {
    expect(await help(argv)).toBe(`${version}\n`);
  });
});

import { Option, type Command } from 'commander';
import { UsageError } from '../common/errors.js';
import { cliCommand, guardOptionValues } from './cli-command.js';

/** What `cleanup` sweeps: one run's leftovers (`run`) or every warren run's (`all`), on one platform. */
export interface CleanupArgs {
  platform: 'local' | 'kind';
  /** A run id, or `<run id>-<method>` for one drill of a --keep run; undefined with `all`. */
  run?: string;
  all: boolean;
}

const CLEANUP_PLATFORMS: readonly CleanupArgs['platform'][] = ['local', 'kind'];

/** What warren prints as a run id (`run 3f2a9c1e: …`), optionally with one drill's method (`3f2a9c1e-force-load-file`). */
const RUN_ID = /^[0-9a-f]{8}(-[a-z0-9]+)*$/;

/**
 * The `cleanup` command: its options and help. `onArgs` receives the validated arguments.
 * Bad input (both or neither of --run and --all, a malformed run id, an unknown platform) throws a UsageError.
 */
export function defineCleanupCommand(onArgs: (args: CleanupArgs) => void | Promise<void>): Command {
  const command = cliCommand('cleanup', {
    summary: "sweep what a killed run left behind (processes, run directories, kind clusters)",
    description:
      'Sweep what a killed warren run left behind: on local, the processes labelled with its run id and its $TMPDIR/warren-<run id>* ' +
      'directories; on kind, the kind clusters named warren-<run id> (and the reused cluster warren with --all). Touches nothing else.',
    examples: ['npm run warren -- cleanup --run 3f2a9c1e', 'npm run warren -- cleanup --run 3f2a9c1e-parallel-restart', 'npm run warren -- cleanup --platform kind --all'],
  })
    .addOption(new Option('--platform <name>', 'where the run was').choices(CLEANUP_PLATFORMS).default('local'))
    .addOption(new Option('--run <id>', 'the run id printed at its start (8 hex digits), or <run id>-<method> for one kept drill'))
    .addOption(new Option('--all', "every warren run's leftovers; on local a run whose warren still runs is skipped (kind: every warren-* cluster)"))
    .action((values: { platform: CleanupArgs['platform']; run?: string; all?: boolean }) => onArgs(cleanupArgs(values)));
  return guardOptionValues(command);
}

function cleanupArgs(values: { platform: CleanupArgs['platform']; run?: string; all?: boolean }): CleanupArgs {
  const all = values.all === true;
  if (all && values.run !== undefined) throw new UsageError('give --run <id> or --all, not both');
  if (!all && values.run === undefined) throw new UsageError('say what to sweep: --run <id> or --all');
  if (values.run !== undefined && !RUN_ID.test(values.run)) {
    throw new UsageError(`--run "${values.run}" is not a run id: 8 hex digits as printed at the start of a run (run 3f2a9c1e: …), optionally -<method>`);
  }
  return { platform: values.platform, all, ...(values.run === undefined ? {} : { run: values.run }) };
}

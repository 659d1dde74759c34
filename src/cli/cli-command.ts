import { Command, type CommanderError } from 'commander';
import { UsageError } from '../common/errors.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { packageVersion } from './package-version.js';

/**
 * A commander `Command` set up the way every warren command is:
 * - commander never calls `process.exit` and never prints an error: it throws a `CommanderError`, which
 *   {@link usageErrorFrom} turns into the CLI's one line (exit 2); `--help` and `--version` print to stdout and
 *   throw one with exit code 0;
 * - `-h, --help` and `-V, --version` (from package.json) exist; the help ends with examples and the exit codes;
 * - call {@link guardOptionValues} once the options are declared.
 */
export function cliCommand(name: string, help: CommandHelp): Command {
  const examples = ['Examples:', ...help.examples.map((example) => `  ${example}`)].join('\n');
  return new Command(name)
    .summary(help.summary)
    .description(help.description ?? help.summary)
    .exitOverride()
    .configureOutput({
      // Help goes to stdout (writeOut stays). Errors are not printed here: runCli prints one line.
      writeErr: () => undefined,
      outputError: () => undefined,
    })
    .helpOption('-h, --help', 'show this help and exit')
    .version(packageVersion(), '-V, --version', "print warren's version and exit")
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${examples}\n\n${EXIT_CODES_HELP}`);
}

/** What a command's `--help` says besides its options. */
export interface CommandHelp {
  /** One line, for the list of commands. */
  summary: string;
  /** What the command does, at the top of its own help (default: the summary). */
  description?: string;
  /** Command lines to copy, shown after the options. */
  examples: string[];
}

/**
 * Refuses, as a UsageError, what commander would take silently: an option given twice (the first value would
 * be dropped) and an option whose value looks like another option (`--report-dir --keep` would create a
 * directory named `--keep`). A negative number (`--messages -1`) is a value: its range check says what is valid.
 */
export function guardOptionValues(command: Command): Command {
  const seen = new Set<string>();
  for (const option of command.options) {
    if (!option.required) continue; // booleans: `--keep --keep` means what it says
    const flag = option.long ?? option.flags;
    command.on(`option:${option.name()}`, (value: string) => {
      if (seen.has(flag)) throw new UsageError(`${flag} is given more than once`);
      seen.add(flag);
      if (value.startsWith('-') && !/^-\d/.test(value)) throw new UsageError(`${flag} needs a value, got the option "${value}"`);
    });
  }
  return command;
}

/**
 * What a `CommanderError` means for the CLI: `undefined` when help or the version was printed (exit 0),
 * otherwise the UsageError to report in one line (commander's "Did you mean …?" kept on the same line).
 */
export function usageErrorFrom(error: CommanderError): UsageError | undefined {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return undefined;
  if (error.code === 'commander.help') {
    // `warren help [command]` printed help (exit code 0); with no command at all commander would print it as an error.
    return error.exitCode === 0 ? undefined : new UsageError('name a command: scenario, list or cleanup (warren --help tells more)');
  }
  const text = error.message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\.$/, '');
  return new UsageError(`${text}; --help lists the options`);
}

/**
 * warren's CLI exactly as src/cli/main.ts runs it, but with the fixture scenarios (fixtures/scenarios/) as its
 * registry: a test can run a finding (exit 1) as a real process, e.g.
 * `node --import tsx test/support/fixture-cli.ts scenario misplaced-force-load`.
 */
import { misplacedForceLoad } from '../../fixtures/scenarios/misplaced-force-load.js';
import { stuckRevert } from '../../fixtures/scenarios/verdict-controls.js';
import { runCli } from '../../src/cli/cli.js';
import { exitOnCrash, exitWhenSettled } from '../../src/cli/process-exit.js';

exitOnCrash();
runCli(process.argv.slice(2), new Map([
    [misplacedForceLoad.name, misplacedForceLoad],
    [stuckRevert.name, stuckRevert],
  ]),
).then(exitWhenSettled);

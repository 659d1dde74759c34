import { runCli } from './cli.js';
import { exitOnCrash, exitWhenSettled } from './process-exit.js';

exitOnCrash();
// Exit explicitly, once nothing warren started is left: pods of a --keep run are detached children and must not
// hold the process open.
runCli(process.argv.slice(2)).then(exitWhenSettled);

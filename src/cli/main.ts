import { runCli } from './cli.js';

// Exit explicitly: pods of a --keep run are detached children and must not hold the process open.
runCli(process.argv.slice(2)).then((code) => process.exit(code));

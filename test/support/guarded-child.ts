/**
 * A child for the exit guard's tests: starts a process group through warren's ProcessGroup (one member in a
 * session of its own), says `ready <leader pid>` on stdout, then ends the way argv[2] says:
 * - `exit`: process.exit(0) with the group still running (a crash or an early exit takes this path);
 * - `wait`: waits for a signal it does not handle itself (the test sends SIGQUIT or SIGHUP).
 * Every process of the group carries GUARD_TEST=<argv[3]> in its environment; its output goes to a file in
 * the directory argv[4] (the test's to remove).
 */
import { join } from 'node:path';
import { ProcessGroup } from '../../src/platforms/local/process-group.js';

const [mode, tag, dir = '.'] = process.argv.slice(2);
const group = ProcessGroup.spawn('sh', ['-c', 'setsid sleep 100 & sleep 100 & wait'], { PATH: process.env.PATH ?? '/usr/bin:/bin', GUARD_TEST: tag ?? 'untagged' }, join(dir, 'out.log'), dir);
process.stdout.write(`ready ${group.pid}\n`);
if (mode === 'exit') setTimeout(() => process.exit(0), 1_500);
else setInterval(() => undefined, 1_000);

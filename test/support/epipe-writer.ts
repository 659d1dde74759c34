/** Writes a line to stdout every 10 ms for 1.5 s under warren's crash handler, then exits 0 (see cli-process tests). */
import { exitOnCrash } from '../../src/cli/process-exit.js';

exitOnCrash();
const timer = setInterval(() => process.stdout.write('progress line\n'), 10);
setTimeout(() => {
  clearInterval(timer);
  process.exit(0);
}, 1_500);

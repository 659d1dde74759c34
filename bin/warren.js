#!/usr/bin/env node
// `warren` (npx warren …, npm run warren -- …): the CLI's TypeScript entry through tsx, a runtime dependency, so it
// runs the same in a clone and in a project that installs warren, without a build. warren's own tsconfig.json is
// used, never that of the project it is installed in.
import { register as registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
// A drill file's `import … from 'warren'` is this copy of warren (bin/resolve-warren.mjs).
registerHooks('./resolve-warren.mjs', import.meta.url);
await import('../src/cli/main.js');

#!/usr/bin/env node
// `warren` (npx warren …, npm run warren -- …): the CLI's TypeScript entry through tsx, a runtime dependency, so it
// runs the same in a clone and in a project that installs warren, without a build. warren's own tsconfig.json is
// used, never that of the project it is installed in.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.js');

#!/usr/bin/env node
// Launcher of the `iopf` command: runs the bundle that `npm install` builds.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'out', 'cli', 'iopf.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('iopf: the command line is not built yet; run `npm install` or `npm run build:cli` in the project folder\n');
  process.exit(70);
}
require(bundle);

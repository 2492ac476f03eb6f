#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json): the CLI is compiled to dist/ on `npm install` (the
// `prepare` script). `qms --version` alone is answered here, before the CLI (commander, the
// config) is loaded: the same text commander prints, read from the same package.json. The CLI
// runs from qms's code-cached CommonJS build when dist/ has a current one, required here so that
// no ES module loads (tasks/startup/cjs-build.ts); else from the ES modules (dist/tasks/cli/main.js).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  const cli = fromBuild();
  if (cli) {
    cli.runCli(process.argv);
  } else {
    import('../dist/tasks/cli/main.js').then((m) => m.runCli(process.argv)).catch((err) => {
      if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/tasks/cli')) {
        console.error('qms: the CLI is not built. Run `npm install` (or `npm run build`) in the qms package first.');
        process.exit(2);
      }
      throw err;
    });
  }
}

/** The CLI from the build, or undefined: no build (tsc alone, no rolldown), or one dist/ has moved on from. */
function fromBuild() {
  try {
    return require('../dist/tasks/startup/cjs-build.cjs').buildEntry('main');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('cjs-build.cjs')) return undefined;
    throw err;
  }
}

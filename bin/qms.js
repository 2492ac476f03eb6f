#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ on `npm install` (the `prepare` script).
// `qms --version` alone is answered here, before the CLI (commander, the config) is loaded:
// the same text commander prints, read from the same package.json.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  import('../dist/tasks/cli/start.js').catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/tasks/cli')) {
      console.error('qms: the CLI is not built. Run `npm install` (or `npm run build`) in the qms package first.');
      process.exit(2);
    }
    throw err;
  });
}

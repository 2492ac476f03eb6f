#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ on `npm install` (the `prepare` script).
import('../dist/tasks/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/tasks/cli')) {
    console.error('qms: the CLI is not built. Run `npm install` (or `npm run build`) in the qms package first.');
    process.exit(2);
  }
  throw err;
});

/**
 * Starts the CLI (bin/qms.js imports this): from qms's code-cached CommonJS build when dist/ has
 * a current one (startup/cjs-build.ts), else from the ES modules.
 */
import { buildEntry } from '../startup/cjs-build.js';

type Cli = typeof import('./main.js');
const cli = buildEntry<Cli>('main') ?? ((await import('./main.js')) as Cli);
await cli.runCli(process.argv);

/**
 * Entry point the supervisor spawns for our built-in servers:
 * `node dist/plugins/mcp-server/serve-main.js <qms-mcp|git-mcp> [options]` (what `qms serve` runs
 * too). It does not depend on the CLI, so a detached server starts with just the compiled plugins.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, QmsError } from '../../tasks/errors.js';

type Serve = (argv: readonly string[]) => Promise<number>;

/** The built-in servers by name; module specifiers are strings so a missing one fails at run time only. */
const BUILTIN: Record<string, string> = {
  'qms-mcp': '../qms-mcp/serve.js',
  'git-mcp': '../git-mcp/serve.js',
  // Not an MCP server: the project API (plugins/api), started the same way so `qms serve api` works.
  api: '../api/serve.js',
};

export async function runBuiltinServer(name: string, argv: readonly string[]): Promise<number> {
  const spec = BUILTIN[name];
  // A usage error (exit 2 from `qms serve`).
  if (!spec) throw new ConfigError(`unknown MCP server "${name}"`, `Use one of: ${Object.keys(BUILTIN).join(', ')}.`);
  const mod = (await import(spec)) as { serve: Serve };
  return mod.serve(argv);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name = '', ...rest] = process.argv.slice(2);
  runBuiltinServer(name, rest).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof QmsError) process.stderr.write(`error: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}\n`);
      else process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * `qms serve <server> [args...]`: runs one of the built-in MCP servers in the foreground
 * (how the mcp-server plugin starts them as background processes). Needs no config.
 */
import { ConfigError } from '../../errors.js';

export const SERVERS = ['git-mcp', 'qms-mcp'] as const;

export async function serveCommand(server: string, argv: readonly string[]): Promise<number> {
  if (!(SERVERS as readonly string[]).includes(server)) {
    throw new ConfigError(`unknown server "${server}"`, `use one of: ${SERVERS.join(', ')}`);
  }
  const mod = (await import(new URL(`../../../plugins/${server}/serve.js`, import.meta.url).href)) as { serve?: (argv: readonly string[]) => Promise<void> };
  if (typeof mod.serve !== 'function') throw new Error(`dist/plugins/${server}/serve.js does not export serve(argv)`);
  await mod.serve(argv);
  return 0;
}

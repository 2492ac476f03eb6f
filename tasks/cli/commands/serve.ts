/**
 * `qms serve <server> [args...]`: runs one of the built-in MCP servers in the foreground, through
 * the same dispatcher the mcp-server plugin spawns for its background servers. Needs no config;
 * the exit code is the server's.
 */
export async function serveCommand(server: string, argv: readonly string[]): Promise<number> {
  const { runBuiltinServer } = await import('../../../plugins/mcp-server/serve-main.js');
  return runBuiltinServer(server, argv);
}

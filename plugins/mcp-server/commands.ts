/**
 * The mcp-server plugin's commands as `qms --help` lists them: `qms logs` and `qms call`. Only
 * their descriptions live here; the code (and through `call`, the MCP SDK client) loads when
 * one runs, so creating the plugin in a config stays cheap.
 */
import type { PluginCommand } from '../../tasks/types.js';

export const logsCommand: PluginCommand = {
  description: 'Show the log of a supervised MCP server, or the egress proxy\'s decisions (`qms logs egress`, NDJSON with --json): qms logs <server> [-f]',
  usage: '<server>',
  options: [{ flags: '-f, --follow', description: 'keep printing new lines' }],
  run: async (ctx, args, flags) => (await import('./logs-command.js')).showLogs(ctx, args, flags),
};

export const callCommand: PluginCommand = {
  description: 'Call a tool of a running MCP server as an agent would: qms call <server> [tool] [json-args] [--agent NAME]',
  usage: '<server> [tool] [json-args]',
  options: [{ flags: '--agent <name>', description: "call with this agent's token (default: the server's default agent)" }],
  run: async (ctx, args, flags) => (await import('./call-command.js')).callTool(ctx, args, flags),
};

/**
 * `mcpServer(options)`: a plugin supervising one MCP server process, with tasks `mcp:<name>`
 * (start or reuse; result McpEndpoint) and `mcp:<name>:stop`, the `logs` and `call` commands and a
 * `status` hook. Cheap to create: the supervisor (and through it the MCP SDK) loads on use.
 */
import { ConfigError } from '../../tasks/errors.js';
import type { Plugin } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';
import { taskNameOf, type McpServerOptions } from './server-options.js';
import { callCommand, logsCommand } from './commands.js';

export type { McpServerOptions } from './server-options.js';

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

function bad(key: string, expected: string, value: unknown): never {
  throw new ConfigError(`mcpServer: option "${key}" must be ${expected}, got ${JSON.stringify(value)}`, `Fix "${key}" in the mcpServer()/qmsMcp()/gitMcp() call in qms.config.ts.`, undefined, key);
}

export function validateMcpServerOptions(o: McpServerOptions): void {
  if (typeof o !== 'object' || o === null) bad('options', 'an object', o);
  if (typeof o.name !== 'string' || !NAME.test(o.name)) bad('name', 'lowercase letters, digits, "-" or "_" (e.g. "qms")', o.name);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) bad('port', 'a TCP port number from 1 to 65535', o.port);
  if (typeof o.command !== 'string' || o.command === '') bad('command', 'a non-empty string', o.command);
  if (o.args !== undefined && (!Array.isArray(o.args) || o.args.some((a) => typeof a !== 'string'))) bad('args', 'an array of strings', o.args);
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null || Object.values(o.env).some((v) => typeof v !== 'string'))) bad('env', 'an object of string values', o.env);
  if (o.cwd !== undefined && typeof o.cwd !== 'string') bad('cwd', 'a string', o.cwd);
  if (o.hosts !== undefined && (!Array.isArray(o.hosts) || o.hosts.length === 0 || o.hosts.some((h) => typeof h !== 'string' || h === ''))) bad('hosts', 'a non-empty array of addresses', o.hosts);
  if (o.readyTimeoutMs !== undefined && (!Number.isInteger(o.readyTimeoutMs) || o.readyTimeoutMs < 100)) bad('readyTimeoutMs', 'an integer of at least 100', o.readyTimeoutMs);
  if (o.taskName !== undefined && (typeof o.taskName !== 'string' || o.taskName === '')) bad('taskName', 'a non-empty string', o.taskName);
  if (o.agents !== undefined && (!Array.isArray(o.agents) || o.agents.length === 0 || o.agents.some((a) => typeof a !== 'string' || !NAME.test(a)) || new Set(o.agents).size !== o.agents.length)) {
    bad('agents', 'a non-empty array of distinct agent names (lowercase letters, digits, "-" or "_")', o.agents);
  }
  if (o.defaultAgent !== undefined && (typeof o.defaultAgent !== 'string' || !NAME.test(o.defaultAgent))) bad('defaultAgent', 'an agent name', o.defaultAgent);
}

export function mcpServer(options: McpServerOptions): Plugin {
  validateMcpServerOptions(options);
  const { name } = options;
  const taskName = taskNameOf(options);
  const pluginName = `mcp-${name}`;
  const supervisor = () => import('./supervisor.js');
  return {
    name: pluginName,
    tasks: [
      {
        name: taskName,
        description: `Start the ${name} MCP server (or reuse it when healthy) and wait until it answers MCP`,
        awaitedConsole: true,
        run: async (ctx): Promise<McpEndpoint> => (await supervisor()).startServer(ctx, options),
      },
      {
        name: `${taskName}:stop`,
        description: `Stop the ${name} MCP server (SIGTERM, grace period, SIGKILL)`,
        awaitedConsole: true,
        run: async (ctx) => {
          const [{ AGENTS_NAMED }, { CONTAINER_STATE_KIND }] = await Promise.all([import('../../tasks/run/agent-flags.js'), import('../container/names.js')]);
          // `qms down qa`: the server stays while another agent's container is recorded (its tokens are in use).
          if (ctx.options.flags[AGENTS_NAMED] === true) {
            const others = (await ctx.state.list({ kind: CONTAINER_STATE_KIND })).map((e) => String(e.data.agent ?? '')).filter((a) => a && !ctx.options.agents.includes(a));
            if (others.length > 0) ctx.skip(`MCP server ${name} still serves ${[...new Set(others)].join(', ')} (\`qms down\` stops it with them)`);
          }
          const outcome = await (await supervisor()).stopServer(ctx, name);
          if (outcome === 'not-running') ctx.skip(`MCP server ${name} is not running`);
          ctx.log.info(outcome === 'stopped' ? `stopped MCP server ${name}` : `cleaned the stale record of MCP server ${name}`);
        },
      },
    ],
    status: async (ctx) => (await supervisor()).inspectServer(ctx, name, pluginName),
    commands: { logs: logsCommand, call: callCommand },
  };
}

/**
 * The endpoint of a running supervised MCP server, read by processes other than the one that
 * started it (e.g. `qms refresh` rebuilding a container's MCP config): the state entry
 * `mcp:<name>` plus the 0600 token file of one agent (default: the server's default agent).
 * Undefined when it is not running (or the record is stale), or serves no such agent.
 */
import type { PluginContext } from '../../tasks/types.js';
import { ENDPOINT_STATE_KIND, endpointStateId, type McpEndpoint } from './endpoint.js';
import { isSameProcess } from './process-identity.js';
import { agentTokenFile, DEFAULT_AGENTS, readToken } from './files.js';
import type { ServerRecord } from './supervisor.js';

/** The agents a recorded server serves, the default one first. */
export const agentsOf = (record: Pick<ServerRecord, 'agents'>): readonly string[] => record.agents ?? DEFAULT_AGENTS;

export async function loadEndpoint(ctx: PluginContext, name: string, agent?: string): Promise<McpEndpoint | undefined> {
  const entry = await ctx.state.get(endpointStateId(name));
  if (!entry) return undefined;
  const record = entry.data as unknown as ServerRecord;
  const agents = agentsOf(record);
  if (agent !== undefined && !agents.includes(agent)) return undefined;
  if ((await isSameProcess(record.pid, record.identity)) !== 'same') return undefined;
  const token = await readToken(ctx.root, name, agentTokenFile(ctx.root, name, agents, agent ?? agents[0]!));
  if (!token) return undefined;
  ctx.addSecret(token);
  return { name: record.name, port: record.port, hostUrl: record.hostUrl, containerUrl: record.containerUrl, token };
}

/**
 * The endpoint of the server started by task `task` (what `container({ mcpServers })` and
 * `verify({ mcpServers })` list): the record whose `taskName` is it — a `taskName` option makes
 * it differ from `mcp:<name>` — or, for records written before `taskName` was recorded, the one
 * with id `task`; with `agent`'s token (default: the server's default agent).
 */
export async function loadEndpointForTask(ctx: PluginContext, task: string, agent?: string): Promise<McpEndpoint | undefined> {
  const entries = await ctx.state.list({ kind: ENDPOINT_STATE_KIND });
  const entry = entries.find((e) => e.data.taskName === task) ?? entries.find((e) => e.data.taskName === undefined && e.id === task);
  const name = entry?.data.name;
  return typeof name === 'string' ? loadEndpoint(ctx, name, agent) : undefined;
}

/**
 * The mcp-server plugin: supervision of MCP server processes (`mcpServer`), the two servers
 * `qms up` runs (`qmsMcp`, `gitMcp`), and helpers other plugins use. Cheap to import: what
 * reads a running server's record (process identity, token files) loads when called.
 */
import type { PluginContext } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';

export { mcpServer, type McpServerOptions } from './plugin.js';
export { qmsMcp, gitMcp, type QmsMcpOptions, type GitMcpOptions } from './builtin-servers.js';
export { endpointStateId, endpointTokenFile, type McpEndpoint } from './endpoint.js';
export type { HttpHost, HttpHostOptions } from './http-host.js';

/** The endpoint of running server `name` with `agent`'s token (default: the server's default agent); see load-endpoint.ts. */
export async function loadEndpoint(ctx: PluginContext, name: string, agent?: string): Promise<McpEndpoint | undefined> {
  return (await import('./load-endpoint.js')).loadEndpoint(ctx, name, agent);
}

/** The endpoint of the server started by task `task`; see load-endpoint.ts. */
export async function loadEndpointForTask(ctx: PluginContext, task: string, agent?: string): Promise<McpEndpoint | undefined> {
  return (await import('./load-endpoint.js')).loadEndpointForTask(ctx, task, agent);
}

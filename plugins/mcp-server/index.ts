/**
 * The mcp-server plugin: supervision of MCP server processes (`mcpServer`), the two servers
 * `qms up` runs (`qmsMcp`, `gitMcp`), and helpers other plugins use. Cheap to import.
 */
export { mcpServer, type McpServerOptions } from './plugin.js';
export { qmsMcp, gitMcp, type QmsMcpOptions, type GitMcpOptions } from './builtin-servers.js';
export { loadEndpoint, loadEndpointForTask } from './load-endpoint.js';
export { endpointStateId, endpointTokenFile, type McpEndpoint } from './endpoint.js';
export type { HttpHost, HttpHostOptions } from './http-host.js';

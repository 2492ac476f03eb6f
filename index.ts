/**
 * Public entry of the `qms` package: config helpers, types and the built-in plugins.
 * Plugins load their heavy dependencies (dockerode, the MCP SDK…) lazily, so importing
 * this module stays cheap for `qms list` and `qms --version`.
 */
export { defineConfig, definePlugin, defineTask } from './tasks/define-config.js';
export type * from './tasks/types.js';
export type { McpEndpoint } from './plugins/mcp-server/endpoint.js';

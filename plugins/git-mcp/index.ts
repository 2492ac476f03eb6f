/**
 * Public surface of our Git MCP server for configs and other plugins: the policy type and its
 * defaults (the `gitMcp()` factory lives in plugins/mcp-server). Light: the server itself,
 * with the MCP SDK, is loaded from ./server.js only when one is started.
 */
export { DEFAULT_GIT_POLICY, DEFAULT_ALLOWED_SUBCOMMANDS, resolvePolicy, type GitPolicy } from './policy.js';
export type { RuleId, Refusal } from './refusal.js';
export type { GitMcpOptions } from './server.js';

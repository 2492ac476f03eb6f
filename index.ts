/**
 * Public entry of the `qms` package: config helpers, types, errors and the built-in plugins.
 * Plugins load their heavy dependencies (dockerode, the MCP SDK…) lazily, so importing this
 * module stays cheap for `qms list` and `qms --version`.
 */
export { defineConfig, definePlugin, defineTask } from './tasks/define-config.js';
export type * from './tasks/types.js';
export { QmsError, ConfigError, ReportedError } from './tasks/errors.js';
// The engine API (runTasks, loadConfig, createStateStore, renderers…) is the `qms/engine` entry:
// a config file imports this module, and `qms list` must not pay for the whole engine.

export { auth, type AuthOptions } from './plugins/auth/index.js';
export { dockerEngine, type DockerEngineResult } from './plugins/docker-engine/index.js';
export { dockerImage, type DockerImageOptions, type DockerImageResult } from './plugins/docker-image/index.js';
export { mcpServer, qmsMcp, gitMcp, loadEndpoint, type McpServerOptions, type QmsMcpOptions, type GitMcpOptions, type McpEndpoint } from './plugins/mcp-server/index.js';
export type { GitPolicy, GitPolicyConfig, GitPreset } from './plugins/git-mcp/policy.js';
export { session, type SessionOptions, type SessionResult } from './plugins/session/index.js';
export { container, type ContainerOptions, type ContainerLimits, type ContainerResult } from './plugins/container/index.js';
export { verify, type VerifyOptions, type VerifyResult } from './plugins/verify/index.js';
// The project API: `api()` runs it under `qms up` (`qms serve api` in the foreground); its response shapes for clients:
export { api, type ApiOptions } from './plugins/api/plugin.js'; // not the api index: it loads the server
export type { ApiServiceResult } from './plugins/api/service.js';
export type { AgentView, AgentStats, VerificationSummary } from './plugins/api/index.js';

/**
 * The project API plugin: `qms serve api` serves the roster's agents over HTTP (JSON endpoints,
 * server-sent events, a dashboard at `/`), calling the container plugin's and the engine's own
 * code; `api()` in a config makes `qms up` run it as a supervised background service (task
 * `api`, stopped by `api:stop`, shown by `qms status`). The package index takes `api` from
 * ./plugin.ts directly: this module loads the server.
 */
export { api, type ApiOptions } from './plugin.js';
export type { ApiServiceResult } from './service.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { openApiProject, type ApiProject } from './api-project.js';
export { apiTokenFile } from './serve.js';
export type { AgentView, AgentStats } from './agents.js';
export type { VerificationSummary } from './verification.js';

/**
 * The project API plugin: `qms serve api` serves the roster's agents over HTTP (JSON endpoints,
 * server-sent events, a dashboard at `/`), calling the container plugin's and the engine's own
 * code. The server runs in the foreground (`qms up` does not start it: see README).
 */
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { openApiProject, type ApiProject } from './api-project.js';
export { apiTokenFile } from './serve.js';
export type { AgentView, AgentStats } from './agents.js';
export type { VerificationSummary } from './verification.js';

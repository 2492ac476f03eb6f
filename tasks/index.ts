/**
 * The engine's public API, for plugins, tests and programmatic use (the package's `qms/engine`
 * entry; the root index.ts does not re-export it, so a config importing `qms` stays cheap):
 * load a config, run tasks, the state store, redaction and the renderers.
 */
export { loadConfig, findConfigFile, SEARCH_PLACES, type LoadConfigOptions } from './config/load-config.js';
export { resolveConfig, DEFAULT_CONCURRENCY } from './config/resolve-config.js';
export { validateUserConfig } from './config/validate-config.js';
export { checkPluginOptions, anyValue } from './config/plugin-options.js';
export { expandTargets } from './graph/targets.js';
export { loadEnv, type LoadEnvOptions, type LoadedEnv } from './env/load-env.js';
export { Redactor, REDACTED, isSecretName, MIN_SECRET_LENGTH } from './env/redact.js';
export { findCycle, findUnknownDependencies, formatCycle } from './graph/check-graph.js';
export { closure, topologicalOrder } from './graph/plan.js';
export { formatGraph, type GraphFormat } from './graph/format-graph.js';
export { runTasks, planRun, type RunTasksOptions, type RunResult, type TaskStatus } from './run/run-tasks.js';
export type { RunEvent, RunEventType, Renderer, EventSink } from './run/events.js';
export { TaskError, Interrupted, type TaskFailure, type FailureKind } from './run/failure.js';
export { createStateStore, stateDir, type StateStoreOptions } from './state/state-store.js';
export { withFileLock, isAlive } from './state/lock.js';
export { atomicWrite } from './state/atomic-write.js';
export { createLineRenderer } from './render/line-renderer.js';
export { createJsonRenderer } from './render/json-renderer.js';
export { chooseRenderer, rendererKind } from './render/choose-renderer.js';
export { createConsoleLogger } from './run/task-logger.js';
export { QmsError, ConfigError, ReportedError } from './errors.js';

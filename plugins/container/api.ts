/**
 * The container manager as a programmatic API (what the commands and tasks are built on), for
 * scripts, tests and benches (bench/container.bench.mjs); qms itself imports the modules directly.
 */
export { ensureContainer, type ContainerResult, type EnsureOutcome, type EnsureAction } from './ensure.js';
export { containerStatuses, statusRows, refreshReasons, REFRESH_LIMITS, type ContainerStatus } from './status.js';
export { downContainers, removeContainer, type DownResult } from './down.js';
export { execIn, execCapture } from './exec.js';
export { attachExec } from './attach.js';
export { execCommand, attachAgent, refreshContainer, findRunningContainer } from './operations.js';
export { resolveOptions } from './options.js';
export { containerName, configVolumeName, LABEL } from './names.js';

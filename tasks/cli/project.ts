/**
 * Opens the project a command works on: the resolved config, the env (dotenv files +
 * process.env), the redactor fed with its secrets, and the state store.
 */
import { loadCliConfig, loadFreshCliConfig } from './load-cli-config.js';
import { loadEnv } from '../env/load-env.js';
import { Redactor } from '../env/redact.js';
import { createStateStore } from '../state/state-store.js';
import { createConsoleLogger } from '../run/task-logger.js';
import type { Env, Logger, PluginContext, ResolvedConfig, StateStore } from '../types.js';
import type { GlobalOptions } from './global-options.js';
import { setErrorRedactor } from './report-error.js';

export interface Project {
  config: ResolvedConfig;
  env: Env;
  redactor: Redactor;
  state: StateStore;
  log: Logger;
  pluginContext(signal: AbortSignal): PluginContext;
}

/** `fresh`: the config evaluated again rather than the one this process loaded first (a long-lived service). */
export async function openProject(globals: GlobalOptions, options: { fresh?: boolean } = {}): Promise<Project> {
  const config = await (options.fresh ? loadFreshCliConfig(globals) : loadCliConfig(globals));
  const redactor = new Redactor();
  setErrorRedactor(redactor);
  const { env } = await loadEnv({ root: config.root, envFiles: config.envFiles, configFile: config.file });
  redactor.addFromEnv(env);
  const log = createConsoleLogger(redactor);
  const state = createStateStore({ root: config.root, warn: (m) => log.warn(m) });
  return {
    config,
    env,
    redactor,
    state,
    log,
    pluginContext: (signal) => ({ root: config.root, config, env, log, signal, state, addSecret: (v) => redactor.add(v) }),
  };
}

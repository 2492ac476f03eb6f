/** Identity helpers that give `qms.config.ts` and plugin authors full types. */
import type { Plugin, TaskDef, UserConfig } from './types.js';

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

export function definePlugin<P extends Plugin>(plugin: P): P {
  return plugin;
}

export function defineTask<R>(task: TaskDef<R>): TaskDef<R> {
  return task;
}

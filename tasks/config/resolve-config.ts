/**
 * Turns a validated user config into the `ResolvedConfig` the engine runs: tasks from the
 * plugins then the config's own, each knowing its plugin; duplicate names, unknown
 * dependencies, cycles, unknown chain entries and roster agents that are no QMS user are
 * ConfigErrors naming the file and key.
 */
import { basename, dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { findCycle, findUnknownDependencies, formatCycle } from '../graph/check-graph.js';
import { didYouMean } from '../graph/suggest.js';
import { agentDefinition, DEFAULT_AGENTS, knownUsers } from './qms-users.js';
import type { Plugin, ResolvedConfig, ResolvedTask, TaskDef, UserConfig } from '../types.js';

export const DEFAULT_CONCURRENCY = 8;

export function resolveConfig(user: UserConfig, file: string): ResolvedConfig {
  const where = basename(file);
  const root = dirname(file);
  const plugins = (user.plugins ?? []).filter((p): p is Plugin => Boolean(p));
  const tasks = new Map<string, ResolvedTask>();
  const origin = new Map<string, string>();

  const add = (task: TaskDef, plugin: string | undefined, key: string) => {
    const by = plugin === undefined ? 'the config\'s tasks' : `plugin "${plugin}"`;
    const previous = origin.get(task.name);
    if (previous !== undefined) {
      throw new ConfigError(
        `${where}: ${key}: task "${task.name}" is defined twice, by ${previous} and by ${by}`,
        'rename one of them, or remove the duplicate plugin',
        file,
        key,
      );
    }
    origin.set(task.name, by);
    tasks.set(task.name, { ...task, plugin, dependsOn: [...(task.dependsOn ?? [])] });
  };
  plugins.forEach((p, i) => p.tasks.forEach((t, j) => add(t, p.name, `plugins[${i}] (${p.name}).tasks[${j}]`)));
  (user.tasks ?? []).forEach((t, i) => add(t, undefined, `tasks[${i}]`));

  const unknown = findUnknownDependencies(tasks)[0];
  if (unknown) {
    const task = tasks.get(unknown.task)!;
    const key = `${task.plugin ? `[${task.plugin}] ` : 'tasks.'}${unknown.task}.dependsOn[${unknown.index}]`;
    throw new ConfigError(
      `${where}: ${key}: unknown task "${unknown.dependency}"${unknown.suggestion}`,
      task.plugin ? `add the plugin that provides "${unknown.dependency}", or change the ${task.plugin} plugin's options` : 'fix the name, or add the task it names',
      file,
      key,
    );
  }
  const cycle = findCycle(tasks);
  if (cycle) {
    throw new ConfigError(`${where}: dependency cycle: ${formatCycle(cycle)}`, 'remove one of these dependencies', file, `tasks.${cycle[0]}.dependsOn`);
  }
  const chains: Record<string, readonly string[]> = {};
  for (const [chain, names] of Object.entries(user.chains ?? {})) {
    names.forEach((name, i) => {
      if (!tasks.has(name)) {
        const key = `chains.${chain}[${i}]`;
        throw new ConfigError(`${where}: ${key}: unknown task "${name}"${didYouMean(name, tasks.keys())}`, 'run `qms list` to see the tasks', file, key);
      }
    });
    chains[chain] = [...names];
  }
  const agents = [...(user.agents ?? DEFAULT_AGENTS)];
  const users = knownUsers(root);
  agents.forEach((agent, i) => {
    if (users.includes(agent)) return;
    const key = `agents[${i}]`;
    throw new ConfigError(
      `${where}: ${key}: "${agent}" is not a QMS user of this project${didYouMean(agent, users)} (known users: ${users.join(', ')})`,
      `add ${agentDefinition(agent)} (the agent's definition), or remove "${agent}" from agents`,
      file,
      key,
    );
  });
  return {
    file,
    root,
    name: user.name ?? (basename(root).replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '') || 'qms'),
    plugins,
    tasks,
    chains,
    envFiles: [...(user.envFiles ?? [])],
    concurrency: user.concurrency ?? DEFAULT_CONCURRENCY,
    agents,
  };
}

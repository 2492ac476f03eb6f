/**
 * A chain's name works wherever a task's does (`qms task ci`, `qms graph ci`): the names a
 * user gives become task names, a chain standing for its tasks. A task and a chain of the same
 * name: the task wins (`chains.<name>` still runs with `qms up`/`down` for those two).
 */
import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from '../types.js';
import { didYouMean } from './suggest.js';

export function expandTargets(config: Pick<ResolvedConfig, 'tasks' | 'chains'>, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    if (config.tasks.has(name)) out.push(name);
    else if (Object.hasOwn(config.chains, name)) out.push(...config.chains[name]!);
    else {
      const candidates = [...config.tasks.keys(), ...Object.keys(config.chains)];
      throw new ConfigError(`unknown task or chain "${name}"${didYouMean(name, candidates)}`, 'run `qms list` to see the tasks and chains', undefined, name);
    }
  }
  return [...new Set(out)];
}

/**
 * `qms list`: the tasks (plugin, dependencies, description) and the chains, each chain as the
 * set of tasks it runs (with their dependencies, in dependency order; not a sequence). Fits
 * the terminal's width: long cells wrap. Runs nothing.
 */
import type { GlobalOptions } from '../global-options.js';
import { loadCliConfig } from '../load-cli-config.js';
import { formatTable, outputWidth } from '../../render/table.js';
import { EXIT } from '../report-error.js';

export async function listCommand(globals: GlobalOptions): Promise<number> {
  const config = await loadCliConfig(globals);
  const tasks = [...config.tasks.values()];
  if (globals.json) {
    const out = {
      config: config.file,
      tasks: tasks.map((t) => ({ name: t.name, plugin: t.plugin ?? null, description: t.description ?? null, dependsOn: t.dependsOn, interactive: t.interactive === true })),
      chains: config.chains,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT.ok;
  }
  const width = outputWidth();
  const rows = tasks.map((t) => [t.name, t.plugin ?? '(config)', t.dependsOn.join(', ') || '-', `${t.description ?? ''}${t.interactive ? ' (interactive)' : ''}`]);
  const out = [config.name, ...formatTable([['TASK', 'PLUGIN', 'DEPENDS ON', 'DESCRIPTION'], ...rows], { width, wrap: [2, 3] })];
  const chains = Object.entries(config.chains);
  if (chains.length > 0) {
    out.push('', ...formatTable([['CHAIN', 'RUNS (with their dependencies)'], ...chains.map(([name, names]) => [name, `{ ${names.join(', ')} }`])], { width, wrap: [1] }));
  }
  out.push('', ...formatTable([[`config: ${config.file}`]], { width, wrap: [0], minWidth: 20 }));
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

/** `qms list`: the tasks (plugin, dependencies, description) and the chains. Runs nothing. */
import type { GlobalOptions } from '../global-options.js';
import { loadConfig } from '../../config/load-config.js';
import { EXIT } from '../report-error.js';

export async function listCommand(globals: GlobalOptions): Promise<number> {
  const config = await loadConfig({ configPath: globals.config });
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
  const rows = tasks.map((t) => [t.name, t.plugin ?? '(config)', t.dependsOn.join(', ') || '-', `${t.description ?? ''}${t.interactive ? ' (interactive)' : ''}`]);
  const header = ['TASK', 'PLUGIN', 'DEPENDS ON', 'DESCRIPTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`${config.name} (${config.file})`, '', line(header), ...rows.map(line)];
  const chains = Object.entries(config.chains);
  if (chains.length > 0) {
    out.push('', 'CHAINS');
    for (const [name, names] of chains) out.push(`${name}: ${names.join(' → ')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

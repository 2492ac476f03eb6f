/**
 * `qms status`: what the state store records, each entry checked live by its plugin's
 * `status` hook (which also cleans stale records); entries of plugins without a hook (or no
 * longer in the config) are shown as recorded.
 */
import type { StatusRow } from '../../types.js';
import type { GlobalOptions } from '../global-options.js';
import { openProject } from '../project.js';
import { EXIT } from '../report-error.js';

export async function statusCommand(globals: GlobalOptions): Promise<number> {
  const project = await openProject(globals);
  const ctx = project.pluginContext(new AbortController().signal);
  const rows: StatusRow[] = [];
  const problems: string[] = [];
  for (const plugin of project.config.plugins) {
    if (!plugin.status) continue;
    try {
      rows.push(...(await plugin.status(ctx)));
    } catch (err) {
      problems.push(`[${plugin.name}] status: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // A plugin's status hook answers for all of that plugin's entries (and cleans stale ones).
  const checked = new Set(project.config.plugins.filter((p) => p.status).map((p) => p.name));
  for (const e of await project.state.list()) {
    if (checked.has(e.plugin)) continue;
    const details: StatusRow['details'] = { createdAt: e.createdAt };
    for (const [k, v] of Object.entries(e.data)) {
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) details[k] = v as string | number | boolean | null;
    }
    rows.push({ plugin: e.plugin, id: e.id, kind: e.kind, state: 'recorded', healthy: false, details });
  }
  const r = project.redactor;
  if (globals.json) {
    process.stdout.write(`${r.redact(JSON.stringify({ rows, problems }))}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) process.stdout.write('nothing recorded: no services are running for this project\n');
  else {
    const table = rows.map((row) => [
      row.plugin,
      row.id,
      row.kind,
      row.state,
      row.state === 'recorded' ? '?' : row.healthy ? 'yes' : 'no',
      Object.entries(row.details).map(([k, v]) => `${k}=${String(v)}`).join(' '),
    ]);
    const header = ['PLUGIN', 'ID', 'KIND', 'STATE', 'HEALTHY', 'DETAILS'];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
    const line = (t: string[]) => t.map((c, i) => (i === t.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
    process.stdout.write(`${r.redact([line(header), ...table.map(line)].join('\n'))}\n`);
  }
  for (const p of problems) process.stderr.write(`qms: ${r.redact(p)}\n`);
  return EXIT.ok;
}

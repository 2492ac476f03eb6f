/** `qms graph [--format mermaid|dot|json] [targets...]`: the task graph (or the closure of the targets, tasks or chains). */
import { loadCliConfig } from '../load-cli-config.js';
import { ConfigError } from '../../errors.js';
import { formatGraph, GRAPH_FORMATS, type GraphFormat } from '../../graph/format-graph.js';
import { closure, topologicalOrder } from '../../graph/plan.js';
import { expandTargets } from '../../graph/targets.js';
import type { GlobalOptions } from '../global-options.js';
import { EXIT } from '../report-error.js';

export async function graphCommand(globals: GlobalOptions, targets: readonly string[], format: string | undefined): Promise<number> {
  const chosen = (format ?? (globals.json ? 'json' : 'mermaid')) as GraphFormat;
  if (!GRAPH_FORMATS.includes(chosen)) {
    throw new ConfigError(`unknown graph format "${format}"`, `use --format ${GRAPH_FORMATS.join('|')}`);
  }
  const config = await loadCliConfig(globals);
  const names = targets.length > 0 ? closure(config.tasks, expandTargets(config, targets)) : new Set(config.tasks.keys());
  process.stdout.write(`${formatGraph(config.tasks, topologicalOrder(config.tasks, names), chosen)}\n`);
  return EXIT.ok;
}

/** `qms graph --format mermaid|dot|json`: the task graph as text, edges from dependency to dependent. */
import type { ResolvedTask } from '../types.js';

export type GraphFormat = 'mermaid' | 'dot' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'json'];

export function formatGraph(tasks: ReadonlyMap<string, ResolvedTask>, order: readonly string[], format: GraphFormat): string {
  const included = new Set(order);
  const edges: Array<[string, string]> = [];
  for (const name of order) {
    for (const dep of tasks.get(name)?.dependsOn ?? []) if (included.has(dep)) edges.push([dep, name]);
  }
  switch (format) {
    case 'json':
      return JSON.stringify(
        {
          tasks: order.map((name) => {
            const t = tasks.get(name)!;
            return { name, plugin: t.plugin ?? null, description: t.description ?? null, dependsOn: t.dependsOn, interactive: t.interactive === true };
          }),
          edges: edges.map(([from, to]) => ({ from, to })),
        },
        null,
        2,
      );
    case 'dot': {
      const q = (s: string) => JSON.stringify(s);
      return ['digraph qms {', '  rankdir=LR;', ...order.map((n) => `  ${q(n)};`), ...edges.map(([a, b]) => `  ${q(a)} -> ${q(b)};`), '}'].join('\n');
    }
    case 'mermaid': {
      // Mermaid ids cannot hold `:`; give each task a safe id and its name as label.
      const id = new Map(order.map((n, i) => [n, `t${i}`]));
      return [
        'graph LR',
        ...order.map((n) => `  ${id.get(n)}["${n.replace(/"/g, '#quot;')}"]`),
        ...edges.map(([a, b]) => `  ${id.get(a)} --> ${id.get(b)}`),
      ].join('\n');
    }
  }
}

/**
 * Static checks of the task graph, run before anything executes: every dependency names a
 * known task, and there is no cycle (reported with its path, `a → b → c → a`).
 */
import { didYouMean } from './suggest.js';

export interface GraphNode {
  readonly dependsOn: readonly string[];
}
export type TaskGraph = ReadonlyMap<string, GraphNode>;

export interface UnknownDependency {
  task: string;
  index: number;
  dependency: string;
  /** ` (did you mean "x"?)` or empty. */
  suggestion: string;
}

export function findUnknownDependencies(graph: TaskGraph): UnknownDependency[] {
  const out: UnknownDependency[] = [];
  for (const [task, node] of graph) {
    node.dependsOn.forEach((dependency, index) => {
      if (!graph.has(dependency)) {
        out.push({ task, index, dependency, suggestion: didYouMean(dependency, graph.keys()) });
      }
    });
  }
  return out;
}

/** The first cycle found (depth-first, declaration order), as a closed path, or undefined. */
export function findCycle(graph: TaskGraph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of graph.get(name)?.dependsOn ?? []) {
      if (!graph.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

export const formatCycle = (cycle: readonly string[]): string => cycle.join(' → ');

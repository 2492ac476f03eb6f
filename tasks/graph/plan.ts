/**
 * The part of the graph a command needs: the closure of the requested targets, and a
 * topological order of it (dependencies first, otherwise declaration order) for `--dry-run`.
 */
import { ConfigError } from '../errors.js';
import type { TaskGraph } from './check-graph.js';
import { didYouMean } from './suggest.js';

/** Every target and everything it depends on, directly or not. Unknown targets are usage errors. */
export function closure(graph: TaskGraph, targets: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending: string[] = [];
  for (const t of targets) {
    if (!graph.has(t)) {
      throw new ConfigError(`unknown task "${t}"${didYouMean(t, graph.keys())}`, 'run `qms list` to see the tasks and chains', undefined, t);
    }
    pending.push(t);
  }
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const dep of graph.get(name)?.dependsOn ?? []) pending.push(dep);
  }
  return seen;
}

/**
 * Kahn's algorithm over `names`, stable in the graph's declaration order. Assumes no cycle.
 * `defer` tasks (interactive ones) come as late as their dependents allow, as they run.
 */
export function topologicalOrder(graph: TaskGraph, names: ReadonlySet<string>, defer?: (name: string) => boolean): string[] {
  const order = [...graph.keys()].filter((n) => names.has(n));
  const rank = new Map(order.map((n, i) => [n, i]));
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of order) {
    const deps = (graph.get(n)?.dependsOn ?? []).filter((d) => names.has(d));
    remaining.set(n, new Set(deps).size);
    for (const d of new Set(deps)) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(n);
    }
  }
  // Kept sorted by declaration order: an insertion is a binary search, not a sort per step.
  const ready = order.filter((n) => remaining.get(n) === 0);
  const insert = (n: string) => {
    const r = rank.get(n)!;
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rank.get(ready[mid]!)! < r) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, n);
  };
  const out: string[] = [];
  while (ready.length > 0) {
    const i = defer ? Math.max(0, ready.findIndex((r) => !defer(r))) : 0;
    const n = ready.splice(i, 1)[0]!;
    out.push(n);
    for (const d of dependents.get(n) ?? []) {
      const left = remaining.get(d)! - 1;
      remaining.set(d, left);
      if (left === 0) insert(d);
    }
  }
  return out;
}

/** Drop tasks (e.g. interactive ones for `up --no-attach`) and everything that depends on them. */
export function without(graph: TaskGraph, names: ReadonlySet<string>, drop: (name: string) => boolean): Set<string> {
  const dropped = new Set<string>();
  const isDropped = (n: string, seen = new Set<string>()): boolean => {
    if (dropped.has(n)) return true;
    if (seen.has(n)) return false;
    seen.add(n);
    if (drop(n) || (graph.get(n)?.dependsOn ?? []).some((d) => isDropped(d, seen))) {
      dropped.add(n);
      return true;
    }
    return false;
  };
  return new Set([...names].filter((n) => !isDropped(n)));
}

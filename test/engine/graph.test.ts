import { describe, expect, it } from 'vitest';
import { findCycle, findUnknownDependencies, formatCycle, type TaskGraph } from '../../tasks/graph/check-graph.js';
import { formatGraph } from '../../tasks/graph/format-graph.js';
import { closure, topologicalOrder, without } from '../../tasks/graph/plan.js';
import { suggest } from '../../tasks/graph/suggest.js';
import { configOf } from './harness.js';

const g = (edges: Record<string, string[]>): TaskGraph => new Map(Object.entries(edges).map(([k, v]) => [k, { dependsOn: v }]));

describe('graph checks', () => {
  it('finds unknown dependencies with a suggestion', () => {
    expect(findUnknownDependencies(g({ build: [], deploy: ['build', 'buld'], x: ['zzzzzz'] }))).toEqual([
      { task: 'deploy', index: 1, dependency: 'buld', suggestion: ' (did you mean "build"?)' },
      { task: 'x', index: 0, dependency: 'zzzzzz', suggestion: '' },
    ]);
  });

  it('reports a cycle as a closed path', () => {
    const cycle = findCycle(g({ start: ['a'], a: ['b'], b: ['c'], c: ['a'] }));
    expect(formatCycle(cycle!)).toBe('a → b → c → a');
    expect(findCycle(g({ a: ['a'] }))).toEqual(['a', 'a']);
    expect(findCycle(g({ a: [], b: ['a'], c: ['a', 'b'] }))).toBeUndefined();
  });

  it('suggests close names only', () => {
    expect(suggest('contaner', ['container', 'verify'])).toBe('container');
    expect(suggest('zebra', ['container', 'verify'])).toBeUndefined();
  });
});

describe('plan', () => {
  const graph = g({ auth: [], build: [], 'mcp:qms': [], session: ['auth'], container: ['build', 'session', 'mcp:qms'], verify: ['container'], attach: ['verify'], other: [] });

  it('takes the closure of the targets', () => {
    expect([...closure(graph, ['verify'])].sort()).toEqual(['auth', 'build', 'container', 'mcp:qms', 'session', 'verify']);
    expect(() => closure(graph, ['verfy'])).toThrow('unknown task "verfy" (did you mean "verify"?)');
  });

  it('orders dependencies first, otherwise in declaration order', () => {
    const order = topologicalOrder(graph, closure(graph, ['attach']));
    expect(order).toEqual(['auth', 'build', 'mcp:qms', 'session', 'container', 'verify', 'attach']);
    for (const [i, name] of order.entries()) for (const d of graph.get(name)!.dependsOn) expect(order.indexOf(d)).toBeLessThan(i);
  });

  it('puts deferred (interactive) tasks as late as their dependents allow', () => {
    const names = closure(graph, ['attach', 'verify', 'other']);
    const deferred = topologicalOrder(g({ prep: [], attach: ['prep'], verify: ['prep'], after: ['attach'] }), new Set(['prep', 'attach', 'verify', 'after']), (n) => n === 'attach');
    expect(deferred).toEqual(['prep', 'verify', 'attach', 'after']);
    expect(topologicalOrder(graph, names).indexOf('other')).toBe(names.size - 1);
  });

  it('drops excluded tasks and their dependents', () => {
    const names = without(graph, closure(graph, ['attach']), (n) => n === 'verify');
    expect([...names].sort()).toEqual(['auth', 'build', 'container', 'mcp:qms', 'session']);
  });
});

describe('formatGraph', () => {
  const config = configOf([
    { name: 'a', run() {} },
    { name: 'b:x', dependsOn: ['a'], run() {} },
  ]);
  const order = ['a', 'b:x'];
  it('prints mermaid with safe ids', () => {
    expect(formatGraph(config.tasks, order, 'mermaid')).toBe('graph LR\n  t0["a"]\n  t1["b:x"]\n  t0 --> t1');
  });
  it('prints dot', () => {
    expect(formatGraph(config.tasks, order, 'dot')).toBe('digraph qms {\n  rankdir=LR;\n  "a";\n  "b:x";\n  "a" -> "b:x";\n}');
  });
  it('prints json', () => {
    const j = JSON.parse(formatGraph(config.tasks, order, 'json')) as { tasks: { name: string; dependsOn: string[] }[]; edges: unknown[] };
    expect(j.tasks.map((t) => [t.name, t.dependsOn])).toEqual([['a', []], ['b:x', ['a']]]);
    expect(j.edges).toEqual([{ from: 'a', to: 'b:x' }]);
  });
});

// Engine overhead: 1,000 no-op tasks in a random DAG, end to end (plan, schedule, events,
// line renderer writing to a null stream), against an empty run in the same process.
// Goal: under 300 ms of engine time, under 150 MB peak memory.
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLineRenderer, createStateStore, Redactor, resolveConfig, runTasks } from '../dist/tasks/index.js';

const N = Number(process.env.BENCH_TASKS ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'qms-bench-engine-'));

// Deterministic pseudo-random DAG: each task depends on up to 3 earlier ones.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
function graph(n) {
  const tasks = [];
  for (let i = 0; i < n; i++) {
    const deps = new Set();
    const k = i === 0 ? 0 : Math.floor(rand() * 4);
    for (let j = 0; j < k; j++) deps.add(`t${Math.floor(rand() * i)}`);
    tasks.push({ name: `t${i}`, dependsOn: [...deps], run: (ctx) => ctx.log.info('noop') });
  }
  return resolveConfig({ tasks, concurrency: 8 }, join(root, 'qms.config.ts'));
}

const nullStream = new Writable({ write: (_c, _e, cb) => cb() });
const redactor = new Redactor();
redactor.addFromEnv({ BENCH_TOKEN: 'bench-secret-value' });
const state = createStateStore({ root });

async function runOnce(config) {
  const targets = [...config.tasks.keys()];
  const t = performance.now();
  const result = await runTasks({ config, targets, env: {}, redactor, state, renderer: createLineRenderer(nullStream), shell: false });
  const ms = performance.now() - t;
  if (!result.ok) throw new Error('bench run failed');
  return ms;
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const empty = resolveConfig({ tasks: [{ name: 'only', run() {} }] }, join(root, 'qms.config.ts'));
await runOnce(empty); // warm-up (JIT)
const baselineTimes = [];
for (let i = 0; i < 5; i++) baselineTimes.push(await runOnce(empty));
const baseline = median(baselineTimes);
const tBuild = performance.now();
const config = graph(N);
const buildMs = performance.now() - tBuild;
const firstMs = await runOnce(config);
const times = [];
for (let i = 0; i < 5; i++) times.push(await runOnce(config));
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const edges = [...config.tasks.values()].reduce((a, t) => a + t.dependsOn.length, 0);

console.log(`engine: ${N} no-op tasks, ${edges} edges, concurrency 8, line renderer to a null stream`);
console.log(`  baseline (1-task run)     ${baseline.toFixed(2).padStart(8)} ms`);
console.log(`  resolve + check config    ${buildMs.toFixed(2).padStart(8)} ms`);
console.log(`  first run (cold JIT)      ${firstMs.toFixed(2).padStart(8)} ms`);
console.log(`  run, median of 5          ${median(times).toFixed(2).padStart(8)} ms   (${(median(times) - baseline).toFixed(2)} ms over baseline; goal < 300 ms)`);
console.log(`  peak RSS                  ${(peak / 2 ** 20).toFixed(1).padStart(8)} MB   (goal < 150 MB)`);
rmSync(root, { recursive: true, force: true });

// Up-to-date checks: 1,000 tasks in a DAG, each with its own source file and an output.
// First run: every task runs (hashing its sources, recording them in .qms/tasks/); second
// run: every task is skipped. Figures are engine time (no renderer cost: a null stream) and
// the second run as a ratio of the first; baseline: the same 1,000 tasks without sources.
import { Writable } from 'node:stream';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLineRenderer, createStateStore, Redactor, resolveConfig, runTasks } from '../dist/tasks/index.js';

const N = Number(process.env.BENCH_TASKS ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'qms-bench-sources-'));
mkdirSync(join(root, 'src'));
mkdirSync(join(root, 'out'));
for (let i = 0; i < N; i++) writeFileSync(join(root, 'src', `f${i}.txt`), `source ${i}\n`.repeat(64));

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
function graph(withSources) {
  seed = 42;
  const tasks = [];
  for (let i = 0; i < N; i++) {
    const deps = new Set();
    const k = i === 0 ? 0 : Math.floor(rand() * 4);
    for (let j = 0; j < k; j++) deps.add(`t${Math.floor(rand() * i)}`);
    const out = join(root, 'out', `f${i}.out`);
    tasks.push({
      name: `t${i}`,
      dependsOn: [...deps],
      ...(withSources ? { sources: [`src/f${i}.txt`], outputs: [`out/f${i}.out`] } : {}),
      run: () => writeFileSync(out, 'x'),
    });
  }
  return resolveConfig({ tasks, concurrency: 8 }, join(root, 'qms.config.ts'));
}

const nullStream = new Writable({ write: (_c, _e, cb) => cb() });
const state = createStateStore({ root });
async function runOnce(config) {
  const t = performance.now();
  const result = await runTasks({ config, targets: [...config.tasks.keys()], env: {}, redactor: new Redactor(), state, renderer: createLineRenderer(nullStream), shell: false });
  const ms = performance.now() - t;
  if (!result.ok) throw new Error(`bench run failed: ${result.failures[0]?.reason}`);
  const skipped = [...result.status.values()].filter((s) => s === 'skipped').length;
  return { ms, skipped };
}

const plain = graph(false);
await runOnce(plain); // warm-up (JIT)
const baseline = await runOnce(plain);
const config = graph(true);
const first = await runOnce(config);
const second = await runOnce(config);
if (second.skipped !== N) throw new Error(`second run skipped ${second.skipped} of ${N} tasks`);

console.log(`sources: ${N} tasks, each with 1 source file (${(64 * 12) / 1000} kB) and 1 output, concurrency 8`);
console.log(`  baseline (same DAG, no sources)   ${baseline.ms.toFixed(1).padStart(8)} ms`);
console.log(`  first run (hash, run, record)     ${first.ms.toFixed(1).padStart(8)} ms   (${(first.ms / baseline.ms).toFixed(1)}x baseline)`);
console.log(`  second run (all ${second.skipped} skipped)     ${second.ms.toFixed(1).padStart(8)} ms   (${(second.ms / first.ms).toFixed(2)} of the first run, ${(second.ms / baseline.ms).toFixed(1)}x baseline)`);
rmSync(root, { recursive: true, force: true });

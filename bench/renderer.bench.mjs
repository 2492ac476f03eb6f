// The TTY renderer against the line renderer: `qms task all` over N trivial tasks under a real
// pseudo-terminal (util-linux `script`, 120x40), once drawn by listr2 (a terminal, CI unset)
// and once by plain lines (CI=1), interleaved in the same run. Whole process, start-up
// included (the same for both). Median of BENCH_RUNS runs per size.
// Goal (issue 13): listr at most 2.00x lines for 400 tasks; 1,000 tasks complete.
// BENCH_QMS_BIN=/path/to/bin/qms.js measures another build (e.g. a checkout of an older commit).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.BENCH_QMS_BIN ?? join(root, 'bin', 'qms.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? '30,100,400,1000').split(',').map(Number);
/** A run taking longer than this is stopped and reported as not finished. */
const capMs = Number(process.env.BENCH_CAP_MS ?? 120_000);

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function project(n) {
  const dir = mkdtempSync(join(tmpdir(), `qms-bench-render-${n}-`));
  writeFileSync(
    join(dir, 'qms.config.mjs'),
    `const tasks = Array.from({ length: ${n} }, (_, i) => ({ name: 't' + i, run: () => {} }));\nexport default { tasks, chains: { all: tasks.map((t) => t.name) } };\n`,
  );
  return dir;
}

function once(dir, n, renderer) {
  const env = { ...process.env, TERM: 'xterm-256color' };
  if (renderer === 'lines') env.CI = '1';
  else delete env.CI;
  // qms's pid is written first (exec keeps it): past the cap, qms itself is killed, since a
  // renderer that keeps the event loop busy never reads the hang-up of its terminal.
  const pidFile = join(dir, 'qms.pid');
  const command = `stty cols 120 rows 40; echo $$ > ${quote(pidFile)}; exec ${[process.execPath, bin, 'task', 'all'].map(quote).join(' ')}`;
  const t = process.hrtime.bigint();
  const r = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: dir, env, encoding: 'utf8', timeout: capMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error?.code === 'ETIMEDOUT' || r.signal) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
    return { ms: Infinity };
  }
  if (r.status !== 0) throw new Error(`${renderer}, ${n} tasks: exited ${r.status}: ${r.stdout.slice(-500)}`);
  if (!r.stdout.includes(`(${n} succeeded, 0 skipped, 0 failed)`)) throw new Error(`${renderer}, ${n} tasks: no summary of ${n} succeeded`);
  return { ms };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(0).padStart(6)} ms` : `>${(capMs / 1000).toFixed(0)} s (stopped)`.padStart(9));

console.log(`renderers under a pty (120x40), trivial tasks, median of ${runs} runs, ${bin}`);
console.log('  tasks      listr      lines   listr/lines');
for (const n of sizes) {
  const dir = project(n);
  try {
    once(dir, n, 'lines'); // warm-up (file cache)
    const samples = { listr: [], lines: [] };
    for (let i = 0; i < runs; i++) {
      for (const k of ['listr', 'lines']) {
        const { ms } = once(dir, n, k);
        samples[k].push(ms);
        // A renderer that does not finish within the cap is not run again at this size.
        if (!Number.isFinite(ms)) i = runs;
      }
    }
    const listr = median(samples.listr);
    const lines = median(samples.lines);
    console.log(`  ${String(n).padStart(5)}  ${fmt(listr)}  ${fmt(lines)}   ${Number.isFinite(listr) ? `${(listr / lines).toFixed(2)}x` : 'not finished'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('  goal: listr <= 2.00x lines at 400 tasks; 1,000 tasks finish');

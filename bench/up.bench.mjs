// `qms up --no-attach` on a temporary QMS repository (real binary, engine, Dockerfile), as the
// e2e tests make it. Warm: everything already running, median wall time of N runs and its
// parts (each task's durationMs from the --json events; CLI/engine share = wall − the critical
// path's task times), against `node -e 0` measured in this run. Goal: warm under 1 s incl.
// verification. Cold (`qms down` first, image already built): wall time vs the sum of the
// tasks' durations — a ratio < 1 is the concurrency.
// Env: QMS_BASE_IMAGE (default qms-base:bookworm), BENCH_RUNS (warm runs, default 7),
// BENCH_COLD_RUNS (default 3).
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { benchEnv as env, durations, fmt, freePort, makeBenchRepo, median, pkg, runQms as qms } from './bench-project.mjs';
import { join } from 'node:path';

const bin = join(pkg, 'bin', 'qms.js');
const warmRuns = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const coldRuns = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 3));
const name = `bench-up-${process.pid}`;

const makeRepo = (qmsPort, gitPort) =>
  makeBenchRepo({
    name,
    qmsPort,
    gitPort,
    files: {
      'CLAUDE.md': '# pipe-dream\n',
      'QMS/SOP/SOP-001.md': '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001\n',
      'QMS/CR/CR-043.md': '---\ntitle: Containerized Claude Agent Infrastructure\nrevision_summary: Initial\n---\n\n# CR-043\n',
      '.claude/users/claude/inbox/.keep': '',
    },
  });

/** Longest path through the DAG by task durations: the tasks that set the run's length. */
function criticalPath(deps, d) {
  const memo = new Map();
  const walk = (t) => {
    if (memo.has(t)) return memo.get(t);
    let best = { ms: 0, path: [] };
    for (const p of deps[t] ?? []) if (p in d) {
      const w = walk(p);
      if (w.ms > best.ms) best = w;
    }
    const r = { ms: best.ms + (d[t] ?? 0), path: [...best.path, t] };
    memo.set(t, r);
    return r;
  };
  return Object.keys(d).map(walk).reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] });
}


function nodeBaseline() {
  const xs = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
}

const qmsPort = await freePort();
const gitPort = await freePort([qmsPort]);
const root = makeRepo(qmsPort, gitPort);
try {
  const graph = JSON.parse(spawnSync(process.execPath, [bin, 'graph', '--format', 'json'], { cwd: root, env, encoding: 'utf8' }).stdout);
  const deps = {};
  for (const e of graph.edges) (deps[e.to] ??= []).push(e.from);

  // First up: builds the label layer if needed, starts everything (not measured).
  qms(root, ['up', '--no-attach', '--json']);

  // Warm.
  const base = nodeBaseline();
  const warm = [];
  for (let i = 0; i < warmRuns; i++) warm.push(qms(root, ['up', '--no-attach', '--json']));
  const byWall = [...warm].sort((a, b) => a.wall - b.wall);
  const mid = byWall[Math.floor(byWall.length / 2)];
  const wallMed = mid.wall;
  const tasks = Object.keys(durations(mid.events));
  const taskMed = Object.fromEntries(tasks.map((t) => [t, median(warm.map((w) => durations(w.events)[t] ?? 0))]));
  const crit = criticalPath(deps, durations(mid.events));
  const runMs = mid.events.find((e) => e.type === 'run:end').durationMs;
  console.log(`warm \`qms up --no-attach\` (everything running), median of ${warmRuns} runs; node -e 0 = ${base.toFixed(0)} ms`);
  console.log(`  wall                        ${fmt(wallMed)}   ${(wallMed / base).toFixed(1)}x node -e 0   (runs: ${warm.map((w) => w.wall.toFixed(0)).join(', ')} ms)`);
  for (const t of tasks) console.log(`    ${t.padEnd(24)}  ${fmt(taskMed[t])}${crit.path.includes(t) ? '   (critical path)' : ''}`);
  console.log(`  critical path ${crit.path.join(' → ')} = ${crit.ms.toFixed(0)} ms`);
  console.log(`  CLI/engine share: wall − critical path = ${fmt(wallMed - crit.ms)}; outside the run (start-up, config, exit) = wall − run ${runMs} ms = ${fmt(wallMed - runMs)}`);
  console.log(`  verify: ${fmt(taskMed.verify ?? 0)} = ${(((taskMed.verify ?? 0) / wallMed) * 100).toFixed(0)}% of wall; goal: wall < 1000 ms → ${wallMed < 1000 ? 'met' : `not met (${(wallMed / 1000).toFixed(1)}x the goal)`}`);

  // Cold: servers and container start fresh; the image is already built.
  const cold = [];
  for (let i = 0; i < coldRuns; i++) {
    qms(root, ['down']);
    cold.push(qms(root, ['up', '--no-attach', '--json']));
  }
  console.log(`cold \`qms up --no-attach\` after \`qms down\` (image built), ${coldRuns} run(s):`);
  for (const c of cold) {
    const d = durations(c.events);
    const sum = Object.values(d).reduce((a, b) => a + b, 0);
    const cp = criticalPath(deps, d);
    console.log(
      `  wall ${fmt(c.wall)}; sum of task durations ${fmt(sum)} → ratio ${(c.wall / sum).toFixed(2)}` +
        ` (critical path ${cp.path.join(' → ')} ${cp.ms.toFixed(0)} ms; ${Object.entries(d).map(([t, ms]) => `${t} ${ms}`).join(', ')})`,
    );
  }
  const ratios = cold.map((c) => c.wall / Object.values(durations(c.events)).reduce((a, b) => a + b, 0));
  console.log(`  median ratio wall / sum of tasks: ${median(ratios).toFixed(2)} (< 1: tasks overlap)`);
} finally {
  spawnSync(process.execPath, [bin, 'down', '--volumes'], { cwd: root, env, stdio: 'ignore' });
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=qms.project=${name}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}

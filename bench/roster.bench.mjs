// How `qms up --no-attach` grows with the roster: cold (after `qms down`; image built) for 1, 2
// and 4 agents of a 4-agent roster, as ratios to the 1-agent time measured in the same run
// (goal: shared work — auth, build, servers, session — done once, so 4 agents well under 4x
// one), and warm `up` for all 4 (everything running: reuse and re-verify each agent).
// Env: QMS_BASE_IMAGE (default qms-base:bookworm), BENCH_COLD_RUNS (default 2), BENCH_RUNS (warm, default 3).
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchEnv as env, fmt, freePort, makeBenchRepo, median, pkg, runQms as qms } from './bench-project.mjs';

const bin = join(pkg, 'bin', 'qms.js');
const coldRuns = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 2));
const warmRuns = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const name = `bench-roster-${process.pid}`;
const ROSTER = ['claude', 'qa', 'bu', 'tu_ui'];

const makeRepo = (qmsPort, gitPort) =>
  makeBenchRepo({
    name,
    qmsPort,
    gitPort,
    agents: ROSTER,
    qmsOptions: { backend: 'builtin' },
    limits: { cpus: 1, memory: '1g' },
    files: {
      'CLAUDE.md': '# pipe-dream\n',
      'QMS/SOP/SOP-001.md': '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001\n',
      ...Object.fromEntries(ROSTER.slice(1).map((a) => [`.claude/agents/${a}.md`, `---\nname: ${a}\ngroup: reviewer\n---\n\nYou are ${a}.\n`])),
    },
  });

const qmsPort = await freePort();
const gitPort = await freePort([qmsPort]);
const root = makeRepo(qmsPort, gitPort);
try {
  // First up of the whole roster: builds the label layer if needed, creates the auth volumes (not measured).
  qms(root, ['up', '--no-attach', '--json']);
  const sizes = [1, 2, 4];
  const cold = Object.fromEntries(sizes.map((n) => [n, []]));
  for (let i = 0; i < coldRuns; i++) {
    for (const n of sizes) {
      qms(root, ['down']);
      cold[n].push(qms(root, ['up', '--no-attach', '--json', ...ROSTER.slice(0, n)]));
    }
  }
  const one = median(cold[1].map((r) => r.wall));
  console.log(`cold \`qms up --no-attach <agents>\` after \`qms down\` (image built, roster of ${ROSTER.length}), median of ${coldRuns}; ratio to 1 agent in this run:`);
  for (const n of sizes) {
    const runs = cold[n];
    const wall = median(runs.map((r) => r.wall));
    const task = (t) => median(runs.map((r) => r.d[t] ?? 0));
    console.log(
      `  ${n} agent${n > 1 ? 's' : ' '}  wall ${fmt(wall)}  ${(wall / one).toFixed(2)}x   container ${fmt(task('container'))}  verify ${fmt(task('verify'))}  mcp:qms ${fmt(task('mcp:qms'))}  (runs: ${runs.map((r) => r.wall.toFixed(0)).join(', ')} ms)`,
    );
  }
  const warm = [];
  for (let i = 0; i < warmRuns; i++) warm.push(qms(root, ['up', '--no-attach', '--json']));
  const warmWall = median(warm.map((r) => r.wall));
  console.log(`warm \`qms up --no-attach\` of all ${ROSTER.length} agents (everything running), median of ${warmRuns}: ${fmt(warmWall)} = ${(warmWall / one).toFixed(2)}x a cold 1-agent up; verify ${fmt(median(warm.map((r) => r.d.verify ?? 0)))}`);
} finally {
  spawnSync(process.execPath, [bin, 'down', '--volumes'], { cwd: root, env, stdio: 'ignore' });
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=qms.project=${name}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}

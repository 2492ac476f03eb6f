// `qms up --no-attach` on temporary QMS repositories (real binary, engine, Dockerfile), as the
// e2e tests make them, side by side with the seeds' own launcher (steps 1–4 of
// claude-session.sh, ../shared/baselines/seed-launcher/) in the same run.
//
// Warm (everything already running), in interleaved rounds: the launcher, `qms up` of a small
// project, `qms up` of a large one (5,000 files, 50 MB of history). Reported: medians, the
// ratio qms / launcher (goal ≤ 0.3 with every check kept), each task's median and the critical
// path, large / small (goal ≈ 1: cost must not grow with the project), and that the evidence is
// complete: every run's verification record has the same check ids as the first, all passing.
//
// Cold (`qms down --volumes` first, image built): wall time vs the sum of the tasks' durations, and the
// container task on top of a bare docker create + start of the same image measured in the same
// run (goal ≤ 1.5 s), with `claude mcp list` in that run's evidence showing every server
// connected.
//
// Needs Debian's docker-compose for the launcher (`apt-get install -y docker-compose`).
// Env: QMS_BASE_IMAGE (default qms-base:bookworm), BENCH_RUNS (warm rounds, default 7),
// BENCH_COLD_RUNS (default 3), SEED_LAUNCHER (the launcher's folder).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv as env, durations, fmt, freePort, makeBenchRepo, median, pkg, runQms as qms } from './bench-project.mjs';

const bin = join(pkg, 'bin', 'qms.js');
const warmRuns = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const coldRuns = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 3));
const launcher = process.env.SEED_LAUNCHER ?? join(pkg, '..', 'shared', 'baselines', 'seed-launcher');
const IMAGE = 'qms-agent:e2e';
const BIG_FILES = 5000;
const BIG_HISTORY_MB = 50;

if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.error('up.bench: docker-compose is missing (the seeds\' launcher needs it): apt-get install -y docker-compose');
  process.exit(1);
}
if (!existsSync(join(launcher, 'claude-session.sh'))) {
  console.error(`up.bench: the seeds' launcher is not at ${launcher} (set SEED_LAUNCHER)`);
  process.exit(1);
}

const files = {
  'CLAUDE.md': '# pipe-dream\n',
  'QMS/SOP/SOP-001.md': '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001\n',
  'QMS/CR/CR-043.md': '---\ntitle: Containerized Claude Agent Infrastructure\nrevision_summary: Initial\n---\n\n# CR-043\n',
  '.claude/users/claude/inbox/.keep': '',
};

const gitIn = (root, ...args) =>
  execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' } });

/** The large project: the same QMS plus 5,000 source files and 50 MB of (incompressible) history. */
function makeBigRepo(name, qmsPort, gitPort) {
  const root = makeBenchRepo({ name, qmsPort, gitPort, files });
  for (let i = 0; i < BIG_HISTORY_MB / 5; i++) {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'assets', `blob-${i}.bin`), randomBytes(5 << 20));
    gitIn(root, 'add', '-A');
    gitIn(root, 'commit', '-qm', `asset ${i}`);
  }
  rmSync(join(root, 'assets'), { recursive: true });
  for (let i = 0; i < BIG_FILES; i++) {
    const dir = join(root, 'src', `m${String(Math.floor(i / 50)).padStart(3, '0')}`);
    if (i % 50 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.ts`), `export const v${i} = ${i};\n`);
  }
  gitIn(root, 'add', '-A');
  gitIn(root, 'commit', '-qm', 'sources; assets dropped (they stay in the history)');
  return root;
}

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

/** The latest verification record of a project (the current session's). */
function evidence(root) {
  const session = readFileSync(join(root, '.claude/sessions/CURRENT_SESSION'), 'utf8').trim();
  return JSON.parse(readFileSync(join(root, '.claude/sessions', session, 'verification.json'), 'utf8'));
}
const idsOf = (report) => report.checks.map((c) => c.id).sort().join(',');

/** One warm launcher run (steps 1–4); throws when it fails. */
function launcherRun(project) {
  const t = process.hrtime.bigint();
  const r = spawnSync(join(launcher, 'claude-session.sh'), [], { env: { ...process.env, PROJECT: project, BASE_IMAGE: env.QMS_BASE_IMAGE }, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`the seeds' launcher failed (${r.status}): ${r.stdout}${r.stderr} (see /tmp/seed-compose.log)`);
  return wall;
}

/** A bare `docker create` + `docker start` of the agent image (sleep instead of the entrypoint), through the engine API as qms does. */
async function bareCreateStart() {
  const { connectDocker } = await import('../dist/plugins/docker-engine/client.js');
  const docker = await connectDocker(process.env);
  const t = process.hrtime.bigint();
  const c = await docker.createContainer({ Image: IMAGE, Entrypoint: ['sleep'], Cmd: ['infinity'], Labels: { 'qms.bench': 'bare' } });
  await c.start();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  await c.remove({ force: true });
  return ms;
}

const summary = (xs) => `median ${fmt(median(xs))}   (runs: ${xs.map((x) => x.toFixed(0)).join(', ')} ms)`;

const ports = [];
const port = async () => {
  const p = await freePort(ports);
  ports.push(p);
  return p;
};
const small = { name: `bench-up-${process.pid}`, root: '' };
const big = { name: `bench-up-big-${process.pid}`, root: '' };
try {
  small.root = makeBenchRepo({ name: small.name, qmsPort: await port(), gitPort: await port(), files });
  const tBig = Date.now();
  big.root = makeBigRepo(big.name, await port(), await port());
  const gitSize = execFileSync('du', ['-sm', join(big.root, '.git')], { encoding: 'utf8' }).split('\t')[0];
  const tracked = execFileSync('git', ['ls-files'], { cwd: big.root, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean).length;
  console.log(`large project: ${tracked} tracked files, .git ${gitSize} MB (made in ${((Date.now() - tBig) / 1000).toFixed(1)} s)`);

  const graph = JSON.parse(spawnSync(process.execPath, [bin, 'graph', '--format', 'json'], { cwd: small.root, env, encoding: 'utf8' }).stdout);
  const deps = {};
  for (const e of graph.edges) (deps[e.to] ??= []).push(e.from);

  // First runs (build the label layer, start everything, the launcher's image): not measured.
  qms(small.root, ['up', '--no-attach', '--json']);
  qms(big.root, ['up', '--no-attach', '--json']);
  launcherRun(small.root);
  const firstIds = { small: idsOf(evidence(small.root)), big: idsOf(evidence(big.root)) };

  // Warm, interleaved so load on the machine hits all three alike.
  const runs = { launcher: [], small: [], big: [] };
  const complete = { small: true, big: true };
  const problems = [];
  for (let i = 0; i < warmRuns; i++) {
    runs.launcher.push(launcherRun(small.root));
    for (const p of ['small', 'big']) {
      const r = qms(p === 'small' ? small.root : big.root, ['up', '--no-attach', '--json']);
      runs[p].push(r);
      const ev = evidence(p === 'small' ? small.root : big.root);
      const failed = ev.checks.filter((c) => c.result === 'fail').map((c) => c.id);
      if (idsOf(ev) !== firstIds[p] || failed.length) {
        complete[p] = false;
        problems.push(`${p} run ${i + 1}: ${failed.length ? `failed ${failed.join(', ')}` : 'check ids differ from the first run'}`);
      }
    }
  }
  const walls = (p) => runs[p].map((r) => r.wall);
  const launcherMed = median(runs.launcher);
  const smallMed = median(walls('small'));
  const bigMed = median(walls('big'));
  const last = evidence(small.root);
  console.log(`warm, ${warmRuns} interleaved rounds:`);
  console.log(`  seeds' launcher, steps 1–4     ${summary(runs.launcher)}`);
  console.log(`  qms up --no-attach (small)     ${summary(walls('small'))}`);
  console.log(`  qms up --no-attach (large)     ${summary(walls('big'))}`);
  console.log(`  qms / launcher: ${(smallMed / launcherMed).toFixed(2)}x (goal ≤ 0.3: ${smallMed / launcherMed <= 0.3 ? 'met' : 'not met'}); large / small: ${(bigMed / smallMed).toFixed(2)}x`);
  console.log(
    `  evidence: ${last.checks.length} checks each run (${last.checks.filter((c) => c.result === 'pass').length} pass, ${last.checks.filter((c) => c.result === 'skip').length} skip), ` +
      `the same ids as the first run and none failed: small ${complete.small ? 'yes' : 'NO'}, large ${complete.big ? 'yes' : 'NO'}${problems.length ? ` (${problems.slice(0, 3).join('; ')})` : ''}`,
  );
  for (const p of ['small', 'big']) {
    const sorted = [...runs[p]].sort((a, b) => a.wall - b.wall);
    const mid = sorted[Math.floor(sorted.length / 2)];
    const tasks = Object.keys(mid.d);
    const crit = criticalPath(deps, mid.d);
    const runMs = mid.events.find((e) => e.type === 'run:end').durationMs;
    console.log(`  ${p}: task medians ${tasks.map((t) => `${t} ${median(runs[p].map((r) => r.d[t] ?? 0)).toFixed(0)}`).join(', ')} ms`);
    console.log(`    critical path ${crit.path.join(' → ')} = ${crit.ms.toFixed(0)} ms; outside the run (start-up, config, exit) = ${(mid.wall - runMs).toFixed(0)} ms`);
  }

  // Cold: servers and container start fresh; the image is already built.
  const cold = [];
  const bare = [];
  for (let i = 0; i < coldRuns; i++) {
    // --volumes: a fresh auth volume, so the entrypoint registers the MCP servers each time.
    qms(small.root, ['down', '--volumes']);
    bare.push(await bareCreateStart());
    const r = qms(small.root, ['up', '--no-attach', '--json']);
    const list = evidence(small.root).checks.find((c) => c.id === 'mcp:claude-mcp-list');
    // The container task starts the project's egress proxy and the agent's container side by
    // side; its "egress proxy … created" line comes when the proxy answers.
    const at = (e) => Date.parse(e.time);
    const start = r.events.find((e) => e.type === 'task:start' && e.task === 'container');
    const egress = r.events.find((e) => e.type === 'task:output' && e.task === 'container' && /^egress proxy .* (created|started|recreated)/.test(e.line ?? ''));
    cold.push({ ...r, list, egressMs: egress && start ? at(egress) - at(start) : undefined });
  }
  console.log(`cold \`qms up --no-attach\` after \`qms down\` (image built), ${coldRuns} run(s):`);
  for (const c of cold) {
    const sum = Object.values(c.d).reduce((a, b) => a + b, 0);
    const cp = criticalPath(deps, c.d);
    console.log(
      `  wall ${fmt(c.wall)}; sum of task durations ${fmt(sum)} → ratio ${(c.wall / sum).toFixed(2)}` +
        ` (critical path ${cp.path.join(' → ')} ${cp.ms.toFixed(0)} ms; ${Object.entries(c.d).map(([t, ms]) => `${t} ${ms}`).join(', ')})`,
    );
    console.log(`    claude mcp list: ${c.list?.result ?? 'absent'} — ${c.list?.actual ?? ''}`);
    if (c.egressMs !== undefined) console.log(`    container task ${c.d.container} ms: the egress proxy answered after ${c.egressMs} ms, the agent's container starting alongside`);
  }
  const containerMed = median(cold.map((c) => c.d.container ?? 0));
  const bareMed = median(bare);
  console.log(
    `  container task: median ${fmt(containerMed)}; bare docker create + start of ${IMAGE}: median ${fmt(bareMed)} → on top: ${fmt(containerMed - bareMed)} ` +
      `(goal ≤ 1500 ms: ${containerMed - bareMed <= 1500 ? 'met' : 'not met'}); every server connected in claude mcp list: ${cold.every((c) => c.list?.result === 'pass') ? 'yes' : 'NO'}`,
  );
} finally {
  spawnSync(join(launcher, 'down.sh'), [], { env: { ...process.env, PROJECT: small.root || '/tmp' }, stdio: 'ignore' });
  for (const p of [small, big]) {
    if (!p.root) continue;
    spawnSync(process.execPath, [bin, 'down', '--volumes'], { cwd: p.root, env, stdio: 'ignore' });
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=qms.project=${p.name}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    rmSync(p.root, { recursive: true, force: true });
  }
}
// dockerode's keep-alive agent holds the event loop open after the last request.
process.exit(process.exitCode ?? 0);

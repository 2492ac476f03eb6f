// How `qms up --no-attach` grows with the roster: cold (after `qms down`; image built) for 1, 2
// and 4 agents of a 4-agent roster, as ratios to the 1-agent time measured in the same run
// (goal: shared work — auth, build, servers, session — done once, so 4 agents well under 4x
// one), and warm `up` for all 4 (everything running: reuse and re-verify each agent).
// Env: QMS_BASE_IMAGE (default qms-base:bookworm), BENCH_COLD_RUNS (default 2), BENCH_RUNS (warm, default 3).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(pkg, 'bin', 'qms.js');
const coldRuns = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 2));
const warmRuns = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const name = `bench-roster-${process.pid}`;
const env = { ...process.env, QMS_BASE_IMAGE: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', CI: '1' };
const ROSTER = ['claude', 'qa', 'bu', 'tu_ui'];

function freePort(avoid = []) {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port === 8000 || port === 8001 || avoid.includes(port) ? freePort(avoid) : port));
    });
  });
}

function makeRepo(qmsPort, gitPort) {
  const root = mkdtempSync(join(tmpdir(), `qms-${name}-`));
  chmodSync(root, 0o755); // the agents (uid 1000) must be able to enter their project
  const write = (p, text) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  write('CLAUDE.md', '# pipe-dream\n');
  write('QMS/SOP/SOP-001.md', '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001\n');
  for (const a of ROSTER.slice(1)) write(`.claude/agents/${a}.md`, `---\nname: ${a}\ngroup: reviewer\n---\n\nYou are ${a}.\n`);
  write('.gitignore', '.qms/\n.env\n.claude/sessions/\n.claude/users/*/workspace/\n');
  write(
    'qms.config.ts',
    `import { defineConfig, auth, dockerImage, qmsMcp, gitMcp, session, container, verify } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(name)},
  agents: ${JSON.stringify(ROSTER)},
  plugins: [
    auth(),
    dockerImage({ context: ${JSON.stringify(join(pkg, 'docker'))}, tag: 'qms-agent:e2e' }),
    qmsMcp({ port: ${qmsPort}, backend: 'builtin' }),
    gitMcp({ port: ${gitPort} }),
    session(),
    container({ image: 'qms-agent:e2e', after: ['session', 'auth'], limits: { cpus: 1, memory: '1g' } }),
    verify({ limits: { cpus: 1, memory: '1g' } }),
  ],
  chains: {
    up: ['auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop'],
  },
});
`,
  );
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' } });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return root;
}

function qms(root, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`qms ${args.join(' ')} exited ${r.status}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  const events = args.includes('--json') ? r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : [];
  const d = {};
  for (const e of events) if (e.type === 'task:success' || e.type === 'task:skip') d[e.task] = e.durationMs;
  return { wall, d };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`;

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

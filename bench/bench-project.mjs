// Shared by the `qms up` benchmarks (up, roster): free ports, a temporary QMS repository with a
// qms.config.ts the way the e2e tests write one, the real binary run with --json events, and
// each task's duration from those events. Not a benchmark itself (run.mjs runs *.bench.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(pkg, 'bin', 'qms.js');
export const benchEnv = { ...process.env, QMS_BASE_IMAGE: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', CI: '1' };

/** A free loopback port, never 8000/8001 (a running `qms up`'s) nor one in `avoid`. */
export function freePort(avoid = []) {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port === 8000 || port === 8001 || avoid.includes(port) ? freePort(avoid) : port));
    });
  });
}

/**
 * A committed temporary repository: `files` (path → text) plus a qms.config.ts for `name` with
 * the up/down chains; `agents`, `qmsOptions` and `limits` go into the config as given.
 */
export function makeBenchRepo({ name, files, qmsPort, gitPort, agents, qmsOptions = {}, limits }) {
  const root = mkdtempSync(join(tmpdir(), `qms-${name}-`));
  chmodSync(root, 0o755); // the agents (uid 1000) must be able to enter their project
  const write = (p, text) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  for (const [p, text] of Object.entries(files)) write(p, text);
  write('.gitignore', '.qms/\n.env\n.claude/sessions/\n.claude/users/*/workspace/\n');
  const limitsOption = limits ? `limits: ${JSON.stringify(limits)}` : '';
  write(
    'qms.config.ts',
    `import { defineConfig, auth, dockerImage, qmsMcp, gitMcp, session, container, verify } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(name)},${agents ? `\n  agents: ${JSON.stringify(agents)},` : ''}
  plugins: [
    auth(),
    dockerImage({ context: ${JSON.stringify(join(pkg, 'docker'))}, tag: 'qms-agent:e2e' }),
    qmsMcp(${JSON.stringify({ port: qmsPort, ...qmsOptions })}),
    gitMcp({ port: ${gitPort} }),
    session(),
    container({ image: 'qms-agent:e2e', after: ['session', 'auth']${limitsOption ? `, ${limitsOption}` : ''} }),
    verify(${limitsOption ? `{ ${limitsOption} }` : ''}),
  ],
  chains: {
    up: ['auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop'],
  },
});
`,
  );
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...benchEnv, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' } });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return root;
}

/** Task → durationMs (success or skip) from a run's events. */
export function durations(events) {
  const d = {};
  for (const e of events) if (e.type === 'task:success' || e.type === 'task:skip') d[e.task] = e.durationMs;
  return d;
}

/** Runs the built `qms` in `root`: wall time, its --json events and their task durations; throws on a non-zero exit. */
export function runQms(root, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: benchEnv, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`qms ${args.join(' ')} exited ${r.status}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  const events = args.includes('--json') ? r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : [];
  return { wall, events, d: durations(events) };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`;

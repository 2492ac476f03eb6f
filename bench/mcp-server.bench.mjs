// Benchmark of the supervised built-in MCP servers: time from start to ready (a real MCP
// initialize + tools/list) and resident memory of each idle server, against a baseline
// measured in the same run: a bare `node` HTTP server (spawn → first answer; its idle RSS).
// Run after `npm run build`: node bench/mcp-server.bench.mjs
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const { createStateStore } = await import(join(dist, 'tasks/state/state-store.js'));
const { qmsMcp, gitMcp } = await import(join(dist, 'plugins/mcp-server/index.js'));
const { stopServer } = await import(join(dist, 'plugins/mcp-server/supervisor.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function rssKiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

function context(root) {
  return {
    name: 'bench', root, env: { ...process.env }, signal: new AbortController().signal,
    log: { info() {}, warn() {}, output() {} },
    state: createStateStore({ root, warn() {} }),
    options: { force: false, dryRun: false, keepGoing: false, concurrency: 1, flags: {} },
    addSecret() {}, onTeardown() {}, result: () => undefined,
    skip(reason) { throw new Error(`unexpected skip: ${reason}`); },
  };
}

/** Baseline: a bare node HTTP server, spawn → first HTTP answer, polled like the readiness probe. */
async function baseline() {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', `require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`], { stdio: 'ignore' });
  let delay = 25;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      await sleep(delay);
      delay = Math.min(Math.round(delay * 1.5), 1000);
    }
  }
  const ms = performance.now() - t0;
  await sleep(300);
  const rss = await rssKiB(child.pid);
  child.kill();
  return { ms, rss };
}

async function measure(name, factory, root) {
  const times = [];
  let rss = NaN;
  for (let i = 0; i < RUNS; i++) {
    const ctx = context(root);
    const plugin = factory({ port: await freePort(), hosts: ['127.0.0.1'] });
    const t0 = performance.now();
    await plugin.tasks[0].run(ctx);
    times.push(performance.now() - t0);
    if (i === RUNS - 1) {
      const { data } = await ctx.state.get(`mcp:${name}`);
      await sleep(300);
      rss = await rssKiB(data.pid);
    }
    await stopServer(ctx, name);
  }
  return { ms: median(times), rss };
}

const root = await mkdtemp(join(tmpdir(), 'qms-bench-mcp-'));
try {
  await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
  await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '# SOP-001\n');
  await new Promise((resolve, reject) => spawn('git', ['init', '-q', root], { stdio: 'ignore' }).on('exit', resolve).on('error', reject));

  const bases = [];
  for (let i = 0; i < RUNS; i++) bases.push(await baseline());
  const base = { ms: median(bases.map((b) => b.ms)), rss: median(bases.map((b) => b.rss)) };
  console.log(`baseline: bare node http server  start→answer ${base.ms.toFixed(0)} ms  idle RSS ${(base.rss / 1024).toFixed(1)} MiB  (median of ${RUNS})`);

  const servers = [['qms', qmsMcp]];
  if (existsSync(join(dist, 'plugins/git-mcp/serve.js'))) servers.push(['git', gitMcp]);
  else console.log('git-mcp: not built (dist/plugins/git-mcp/serve.js missing), skipped');
  for (const [name, factory] of servers) {
    const r = await measure(name, factory, root);
    console.log(
      `${name}-mcp: start→ready (MCP initialize + tools/list) ${r.ms.toFixed(0)} ms = ${(r.ms / base.ms).toFixed(2)}x baseline;` +
        `  idle RSS ${(r.rss / 1024).toFixed(1)} MiB = ${(r.rss / base.rss).toFixed(2)}x baseline`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

// MCP session flood: the resident memory of a real server process (the built-in git server,
// `serve-main.js git-mcp`) after N `initialize` calls from one token (default 6,000, 8 at a
// time, loopback only), as a ratio to its RSS after the first one. Sessions are capped per
// credential (16) and expire when idle, so memory should stay flat instead of growing with N.
// Run: npm run build && node bench/mcp-sessions.bench.mjs [calls]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const calls = Number(process.argv[2] ?? 6000);
const tmp = mkdtempSync(join(tmpdir(), 'mcp-sessions-bench-'));
execFileSync('git', ['init', '-q', tmp]);
const token = 'mcp-sessions-bench-token-0123456789';

const child = spawn(process.execPath, [join(repo, 'dist/plugins/mcp-server/serve-main.js'), 'git-mcp', '--project-root', tmp, '--port', '0', '--host', '127.0.0.1'], {
  env: { ...process.env, QMS_MCP_TOKEN: token },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
  child.stdout.on('data', (d) => {
    out += d;
    const m = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
});

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'flood', version: '0' } } });
async function initialize() {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` }, body });
  await r.text();
  if (r.status !== 200) throw new Error(`initialize answered ${r.status}`);
}
const settle = () => new Promise((r) => setTimeout(r, 2000));

try {
  await initialize();
  await settle();
  const base = rssMb();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < calls) {
      next++;
      await initialize();
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await settle();
  const after = rssMb();
  console.log(`mcp sessions: ${calls} initialize calls from one token in ${seconds.toFixed(1)} s (${Math.round(calls / seconds)}/s)`);
  console.log(`  RSS after the first initialize (baseline)  ${base.toFixed(1)} MB`);
  console.log(`  RSS after ${calls} initialize calls        ${after.toFixed(1)} MB  ratio ${(after / base).toFixed(2)}x`);
} finally {
  child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

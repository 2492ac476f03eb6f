// Git MCP benchmark: `git_exec("status")` round trip through the real MCP SDK client over
// streamable HTTP (the shared host on 127.0.0.1, bearer token) against `git status` spawned
// directly in the same repository; also the executor alone (policy + hardened spawn, no MCP)
// and a refused command (policy only, no git). Median of N runs after a warm-up, as ratios.
// Run: npm run build && node bench/git-mcp.bench.mjs [runs]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { createGitExecutor, mcpServerFor } = await import(join(repo, 'dist/plugins/git-mcp/server.js'));
const { startHttpHost } = await import(join(repo, 'dist/plugins/mcp-server/http-host.js'));
const runs = Number(process.argv[2] ?? 41);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(fn) {
  for (let i = 0; i < 5; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

// A small repository with a few hundred files and commits, like a project checkout.
const tmp = mkdtempSync(join(tmpdir(), 'git-mcp-bench-'));
const project = join(tmp, 'project');
const git = (...args) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: project, stdio: 'pipe' });
mkdirSync(project);
git('init', '-q');
for (let d = 0; d < 10; d++) {
  mkdirSync(join(project, `dir${d}`));
  for (let f = 0; f < 30; f++) writeFileSync(join(project, `dir${d}`, `file${f}.md`), `content ${d}/${f}\n`);
  git('add', '.');
  git('commit', '-qm', `commit ${d}`);
}

const token = 'git-mcp-bench-token-0123456789';
const executor = await createGitExecutor({ projectRoot: project, auditLog: join(tmp, 'audit.log') });
const host = await startHttpHost({ createServer: () => mcpServerFor(executor), port: 0, hosts: ['127.0.0.1'], tokens: new Map([[token, 'claude']]) });
const client = new Client({ name: 'git-mcp-bench', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(host.urls[0]), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));

try {
  const direct = await measure(
    () => new Promise((resolve, reject) => spawn('git', ['status'], { cwd: project, stdio: 'ignore' }).on('exit', resolve).on('error', reject)),
  );
  const inProcess = await measure(() => executor.exec('status'));
  const overHttp = await measure(async () => {
    const r = await client.callTool({ name: 'git_exec', arguments: { command: 'status' } });
    if (r.isError) throw new Error(r.content[0].text);
  });
  const refused = await measure(() => client.callTool({ name: 'git_exec', arguments: { command: "reset --hard" } }));

  const ms = (x) => `${x.toFixed(2)} ms`;
  console.log(`git-mcp: median of ${runs} runs, repository of 300 files / 10 commits`);
  console.log(`  git status spawned directly (baseline)          ${ms(direct)}`);
  console.log(`  executor.exec("status") (policy + hardened git)  ${ms(inProcess)}  ratio ${(inProcess / direct).toFixed(2)}x`);
  console.log(`  git_exec("status") via MCP over streamable HTTP  ${ms(overHttp)}  ratio ${(overHttp / direct).toFixed(2)}x`);
  console.log(`  git_exec("reset --hard") refused, over HTTP      ${ms(refused)}  ratio ${(refused / direct).toFixed(2)}x`);
} finally {
  await client.close();
  await host.close();
  rmSync(tmp, { recursive: true, force: true });
}

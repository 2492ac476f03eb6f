// Benchmark of the QMS MCP server on the qms-cli backend: one tool call (qms_status, qms_inbox)
// through our server (supervised process, MCP SDK client over streamable HTTP, one session)
// against the baseline measured in the same run: running `python3 qms-cli/qms.py --user claude
// <command>` directly. The floor is Python's start-up; the ratio is what our transport,
// authentication, identity check and folder guard add. Needs the qms-cli snapshot
// (../shared/fixtures/qms-cli or QMS_CLI_DIR) and PyYAML. Run after `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');
const fixture = process.env.QMS_CLI_DIR ? resolve(process.env.QMS_CLI_DIR) : resolve(repo, '..', 'shared', 'fixtures', 'qms-cli');
if (!existsSync(join(fixture, 'qms.py'))) {
  console.log(`skipped: the qms-cli snapshot is missing (no qms.py in ${fixture}; set QMS_CLI_DIR)`);
  process.exit(0);
}
const { createStateStore } = await import(join(dist, 'tasks/state/state-store.js'));
const { qmsMcp, loadEndpoint } = await import(join(dist, 'plugins/mcp-server/index.js'));
const { stopServer } = await import(join(dist, 'plugins/mcp-server/supervisor.js'));
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function context(root) {
  return {
    name: 'bench', root, env: { ...process.env }, signal: new AbortController().signal,
    config: { name: 'bench', root, agents: ['claude'] },
    log: { info() {}, warn() {}, output() {} },
    state: createStateStore({ root, warn() {} }),
    options: { force: false, dryRun: false, keepGoing: false, concurrency: 1, flags: {} },
    addSecret() {}, onTeardown() {}, result: () => undefined,
    skip(reason) { throw new Error(`unexpected skip: ${reason}`); },
  };
}

const root = mkdtempSync(join(tmpdir(), 'qms-bench-qmscli-'));
try {
  execFileSync('git', ['init', '-q', root]);
  cpSync(fixture, join(root, 'qms-cli'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  execFileSync('python3', ['qms-cli/qms.py', 'init'], { cwd: root, env, stdio: 'ignore' });

  const ctx = context(root);
  await qmsMcp({ port: await freePort(), hosts: ['127.0.0.1'] }).tasks[0].run(ctx);
  const endpoint = await loadEndpoint(ctx, 'qms');
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.hostUrl), { requestInit: { headers: { authorization: `Bearer ${endpoint.token}` } } }));

  const rows = [];
  for (const [tool, args, argv] of [
    ['qms_status', { doc_id: 'SOP-001' }, ['status', 'SOP-001']],
    ['qms_inbox', {}, ['inbox']],
  ]) {
    // Warm both paths once (page cache, Python's imports).
    spawnSync('python3', ['qms-cli/qms.py', '--user', 'claude', ...argv], { cwd: root, env, stdio: 'ignore' });
    await client.callTool({ name: tool, arguments: args });
    const direct = [];
    const viaServer = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      const r = spawnSync('python3', ['qms-cli/qms.py', '--user', 'claude', ...argv], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      direct.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`qms.py ${argv.join(' ')} failed: ${r.stdout}${r.stderr}`);
      t0 = performance.now();
      const res = await client.callTool({ name: tool, arguments: args });
      viaServer.push(performance.now() - t0);
      if (res.isError) throw new Error(`${tool} failed: ${JSON.stringify(res.content)}`);
    }
    rows.push({ tool, direct: median(direct), viaServer: median(viaServer) });
  }
  await client.close();
  await stopServer(ctx, 'qms', { graceMs: 1000 });

  console.log(`median of ${RUNS} runs each (same machine, same run)`);
  console.log('tool          qms.py directly   through our server   ratio');
  for (const r of rows) {
    console.log(`${r.tool.padEnd(13)} ${r.direct.toFixed(1).padStart(10)} ms ${r.viaServer.toFixed(1).padStart(15)} ms ${(r.viaServer / r.direct).toFixed(2).padStart(9)}x`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

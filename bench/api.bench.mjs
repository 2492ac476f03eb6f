// Project API benchmark (real engine, light agent image): a roster of 20 agents, each ensured
// through the API (`POST /api/agents/<a>/ensure`, i.e. `qms up <a> --no-attach`), then
// `GET /api/agents` (one request to the running `qms serve api`) vs `qms status --json` as a
// process, same run, as a ratio. Run: npm run build && node bench/api.bench.mjs
import { spawn, execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectDocker } from '../dist/plugins/docker-engine/client.js';
import { median } from './bench-project.mjs';
import { buildLiteImage, time } from './lite-image.mjs';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));
const qms = join(repo, 'bin', 'qms.js');
const suffix = Math.random().toString(36).slice(2, 8);
const IMAGE = `qms-agent-lite:abench-${suffix}`;
const PROJECT = `abench-${suffix}`;
const TOKEN = `abench-token-${suffix}-0123456789abcdef`;
const AGENTS = Array.from({ length: 20 }, (_, i) => `a${i + 1}`);
const ROUNDS = 10;


const docker = await connectDocker(process.env);
await buildLiteImage(docker, IMAGE);
const root = await mkdtemp(join(tmpdir(), 'qms-abench-'));
await chmod(root, 0o755);
await mkdir(join(root, '.claude', 'agents'), { recursive: true });
for (const a of AGENTS) await writeFile(join(root, '.claude', 'agents', `${a}.md`), `# ${a}\n`);
await writeFile(
  join(root, 'qms.config.ts'),
  `import { defineConfig, container } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(PROJECT)},
  agents: ${JSON.stringify(AGENTS)},
  plugins: [container({ image: ${JSON.stringify(IMAGE)}, imageTask: 'image', mcpServers: [], limits: { cpus: 0.5, memory: '64m', pids: 100 }, sshDir: false, readyTimeoutSec: 60 })],
  tasks: [{ name: 'image', run: () => ({ tag: ${JSON.stringify(IMAGE)} }) }],
  chains: { up: ['image', 'container'], down: ['container:down'] },
});
`,
);
const server = spawn(process.execPath, [qms, 'serve', 'api', '--port', '0'], { cwd: root, env: { ...process.env, QMS_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const base = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`qms serve api exited ${code}`)));
  });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const ensures = [];
  for (const a of AGENTS) {
    const [ms, res] = await time(() => fetch(`${base}api/agents/${a}/ensure`, { method: 'POST', headers }));
    if (res.status !== 200) throw new Error(`ensure ${a}: ${res.status} ${await res.text()}`);
    ensures.push(ms);
  }
  console.log(`POST ensure (qms up <agent> --no-attach in the service), 20 agents: median ${median(ensures).toFixed(0)} ms`);

  const apiRuns = [];
  const cliRuns = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [a, res] = await time(async () => (await fetch(`${base}api/agents`, { headers })).json());
    if (res.agents.filter((x) => x.state === 'running').length !== AGENTS.length) throw new Error(`expected ${AGENTS.length} running agents`);
    apiRuns.push(a);
    const [c, out] = await time(() => run(process.execPath, [qms, 'status', '--json'], { cwd: root, maxBuffer: 16 << 20 }));
    if (!out.stdout.includes(`qms-${PROJECT}-a20`)) throw new Error('qms status --json did not list the containers');
    cliRuns.push(c);
  }
  const api = median(apiRuns);
  const cli = median(cliRuns);
  console.log(`GET /api/agents, 20 running agents:       median ${api.toFixed(0)} ms over ${ROUNDS}`);
  console.log(`qms status --json as a process, same run: median ${cli.toFixed(0)} ms over ${ROUNDS}`);
  console.log(`API / CLI ratio: ${(api / cli).toFixed(2)}x`);
} finally {
  server.kill('SIGTERM');
  for (const c of await docker.listContainers({ all: true, filters: { label: [`qms.project=${PROJECT}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters: { label: [`qms.project=${PROJECT}`] } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

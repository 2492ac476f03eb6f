// Container plugin benchmark (real engine, light image with the real entrypoint):
//   its first creation on top of a bare docker create + start of the same image (same run);
//   ensure when the container already runs (reuse path) vs its first creation, as a ratio;
//   `status` of a project with 20 managed containers (goal: under 1 s).
// Run: npm run build && node bench/container.bench.mjs
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDocker } from '../dist/plugins/docker-engine/client.js';
import { median } from './bench-project.mjs';
import { buildLiteImage, time } from './lite-image.mjs';
import { ensureContainer, containerStatuses, downContainers } from '../dist/plugins/container/api.js';
import { resolveOptions } from '../dist/plugins/container/options.js';

const suffix = Math.random().toString(36).slice(2, 8);
const IMAGE = `qms-agent-lite:bench-${suffix}`;
const PROJECT = `cbench-${suffix}`;

function memoryState() {
  const m = new Map();
  return {
    file: '/dev/null',
    list: async (f) => [...m.values()].filter((e) => (!f?.kind || e.kind === f.kind) && (!f?.plugin || e.plugin === f.plugin)),
    get: async (id) => m.get(id),
    put: async (e) => void m.set(e.id, e),
    remove: async (id) => void m.delete(id),
    withLock: async (_n, fn) => fn(),
  };
}

const quiet = { info() {}, warn() {}, output() {} };
const ctxFor = (root) => ({ root, config: { name: PROJECT, agents: ['claude'] }, env: process.env, log: quiet, signal: new AbortController().signal, state: memoryState(), addSecret() {} });
const endpoints = [
  { name: 'qms', port: 8000, hostUrl: 'http://127.0.0.1:8000/mcp', containerUrl: 'http://host.docker.internal:8000/mcp', token: 'bench-token-qms-0123456789abcdef' },
  { name: 'git', port: 8001, hostUrl: 'http://127.0.0.1:8001/mcp', containerUrl: 'http://host.docker.internal:8001/mcp', token: 'bench-token-git-0123456789abcdef' },
];
// network 'open': the agent container's own start is measured here, not the egress proxy's (the light image has no node for it).
const opts = (agent) => resolveOptions({ agent, image: IMAGE, limits: { cpus: 0.5, memory: '64m', pids: 100 }, sshDir: false, network: 'open' });

const docker = await connectDocker(process.env);
await buildLiteImage(docker, IMAGE);

const root = await mkdtemp(join(tmpdir(), 'qms-cbench-'));
await chmod(root, 0o755);
await mkdir(join(root, '.claude'), { recursive: true });
const ctx = ctxFor(root);
try {
  const creates = [];
  const reuses = [];
  for (let round = 0; round < 3; round++) {
    const [c, first] = await time(() => ensureContainer(ctx, { opts: opts('claude'), endpoints, image: IMAGE, force: false }));
    if (first.action !== 'created') throw new Error(`expected a creation, got ${first.action}`);
    creates.push(c);
    for (let i = 0; i < 5; i++) {
      const [r, again] = await time(() => ensureContainer(ctx, { opts: opts('claude'), endpoints, image: IMAGE, force: false }));
      if (again.action !== 'reused') throw new Error(`expected reuse, got ${again.action}`);
      reuses.push(r);
    }
    await downContainers(ctx, {});
  }
  const create = median(creates);
  const reuse = median(reuses);
  // Baseline in the same run: a bare create + start of the same image (sleep, no entrypoint).
  const bare = [];
  for (let i = 0; i < 3; i++) {
    const [b, c] = await time(async () => {
      const c = await docker.createContainer({ Image: IMAGE, Entrypoint: ['sleep'], Cmd: ['infinity'], Labels: { 'qms.project': PROJECT } });
      await c.start();
      return c;
    });
    bare.push(b);
    await c.remove({ force: true });
  }
  console.log(`bare docker create + start of the same image:              median ${median(bare).toFixed(0)} ms over ${bare.length}`);
  console.log(`container ensure, first creation (start + entrypoint ready): median ${create.toFixed(0)} ms over ${creates.length} → ${(create - median(bare)).toFixed(0)} ms on top of create + start (goal ≤ 1500 ms)`);
  console.log(`container ensure, already running (reuse path):           median ${reuse.toFixed(1)} ms over ${reuses.length}`);
  console.log(`reuse / creation ratio: ${(reuse / create).toFixed(3)}x`);

  const agents = Array.from({ length: 20 }, (_, i) => `a${i + 1}`);
  for (const agent of agents) await ensureContainer(ctx, { opts: opts(agent), endpoints, image: IMAGE, force: false });
  const [listMs] = await time(() => docker.listContainers({ all: true, filters: { label: [`qms.root=${root}`] } }));
  const runs = [];
  let rows = [];
  for (let i = 0; i < 3; i++) {
    const [ms, r] = await time(() => containerStatuses(ctx));
    runs.push(ms);
    rows = r;
  }
  const status = median(runs);
  if (rows.length !== 20 || rows.some((r) => r.memoryPercent === null || r.diskPercent === null)) throw new Error('status missed containers or figures');
  console.log(`status of ${rows.length} managed containers (state, health, age, mem %, CPU %, disk %): median ${status.toFixed(0)} ms (goal < 1000 ms: ${status < 1000 ? 'met' : 'NOT met'})`);
  console.log(`  baseline: one label-filtered container list ${listMs.toFixed(0)} ms; status / list ratio ${(status / listMs).toFixed(1)}x`);
} finally {
  await downContainers(ctx, { volumes: true });
  await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}
// dockerode's keep-alive agent holds the event loop open after the last request.
process.exit(0);

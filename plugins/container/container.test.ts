/**
 * The container plugin on the real Docker engine, with a light image carrying the real
 * entrypoint and health check: mounts and their access from inside, ownership on the host,
 * limits and hardening as inspected, reuse/start/recreate, status, exec, refresh, attach
 * through a pseudo-terminal, and down.
 */
import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { endpointStateId, endpointTokenFile } from '../mcp-server/endpoint.js';
import { memoryState, testContext, type TestContext } from '../../test/plugin-test-context.js';
import type { StateStore } from '../../tasks/types.js';
import { container } from './index.js';
import { containerStatuses, downContainers, ensureContainer, execCapture, execIn, refreshContainer, statusRows } from './api.js';
import { defaultAgentUser, resolveOptions } from './options.js';
import { buildLiteImage } from './test/lite-image.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const suffix = Math.random().toString(36).slice(2, 8);
const IMAGE = `qms-agent-lite:ctest-${suffix}`;
// The light image has no Node.js, which the egress proxy runs on: these tests are about the container, not egress (test/e2e/egress.test.ts).
const LITE_NETWORK = 'open' as const;
const PROJECT = `ctest-${suffix}`;
const agentUser = defaultAgentUser();
const ghToken = 'ghp_containerTestToken0123456789abcdefgh';

let docker: Docker;
let root: string;
let sshDir: string;
let claudeDir: string;
let state: StateStore;
let imageId: string;
let endpoints: McpEndpoint[];

const opts = (extra: Parameters<typeof resolveOptions>[0] = {}) =>
  resolveOptions({ image: IMAGE, limits: { cpus: 1, memory: '256m', pids: 200 }, capAdd: ['CHOWN'], sshDir, readyTimeoutSec: 30, network: LITE_NETWORK, ...extra });

function ctxFor(force = false, flags: Record<string, boolean> = {}): TestContext {
  const base = testContext({
    root,
    project: PROJECT,
    name: 'container',
    env: { GH_TOKEN: ghToken, GIT_AUTHOR_NAME: 'Test Agent', CLAUDE_CONFIG_DIR: claudeDir },
    state,
    results: { build: { tag: IMAGE, id: imageId }, 'mcp:qms': endpoints[0], 'mcp:git': endpoints[1] },
  });
  return Object.assign(base, { options: { ...base.options, force, flags } });
}

const ensure = (ctx = ctxFor(), o = opts()) => ensureContainer(ctx, { opts: o, endpoints, image: IMAGE, force: ctx.options.force });

async function sh(id: string, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return execCapture(docker, id, ['sh', '-c', script]);
}

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  imageId = await buildLiteImage(docker, IMAGE);
  root = await mkdtemp(join(tmpdir(), 'qms-container-'));
  sshDir = await mkdtemp(join(tmpdir(), 'qms-ssh-'));
  claudeDir = await mkdtemp(join(tmpdir(), 'qms-claude-'));
  await writeFile(join(claudeDir, '.credentials.json'), '{"claudeAiOauth":{"accessToken":"host-login-1"}}\n');
  // mkdtemp makes 0700 folders; a project (and ~/.ssh's parent) is normally readable.
  await chmod(root, 0o755);
  await chmod(sshDir, 0o755);
  await writeFile(join(sshDir, 'id_test.pub'), 'ssh-ed25519 AAAA test\n');
  await mkdir(join(root, 'QMS'), { recursive: true });
  await mkdir(join(root, '.claude'), { recursive: true });
  await writeFile(join(root, 'QMS', 'SOP-001.md'), '# SOP\n');
  // The host's own MCP config (stdio commands), which the container must not see.
  await writeFile(join(root, '.mcp.json'), JSON.stringify({ mcpServers: { qms: { command: 'python', args: ['-m', 'qms_mcp'] } } }));
  await writeFile(join(root, '.claude', 'settings.local.json'), '{"permissions":{}}\n');
  // Host secrets, owned by the agent's uid (a workstation where the host user is uid 1000):
  // only the masks keep them from the agent.
  await writeFile(join(root, '.env'), `GH_TOKEN=${ghToken}\n`);
  await mkdir(join(root, 'docker'), { recursive: true });
  await writeFile(join(root, 'docker', '.env'), `SECRET=${ghToken}\n`);
  await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
  await writeFile(join(root, '.qms', 'mcp', 'qms.token'), 'qmstoken-0123456789abcdef0123456789\n');
  for (const f of ['.env', 'docker/.env', '.qms', '.qms/mcp', '.qms/mcp/qms.token']) await chown(join(root, f), agentUser.uid, agentUser.gid);
  state = memoryState();
  endpoints = [
    { name: 'qms', port: 8000, hostUrl: 'http://127.0.0.1:8000/mcp', containerUrl: 'http://host.docker.internal:8000/mcp', token: 'qmstoken-0123456789abcdef0123456789' },
    { name: 'git', port: 8001, hostUrl: 'http://127.0.0.1:8001/mcp', containerUrl: 'http://host.docker.internal:8001/mcp', token: 'gittoken-0123456789abcdef0123456789' },
  ];
}, 600_000);

afterAll(async () => {
  if (!docker) return;
  const filters = { label: [`qms.project=${PROJECT}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
  await rm(sshDir, { recursive: true, force: true });
  await rm(claudeDir, { recursive: true, force: true });
});

describe('container task', () => {
  let firstId: string;

  it('creates the container through the plugin task, registering a teardown', async () => {
    const plugin = container({ image: IMAGE, limits: { cpus: 1, memory: '256m', pids: 200 }, capAdd: ['CHOWN'], sshDir, readyTimeoutSec: 30, network: LITE_NETWORK });
    const task = plugin.tasks.find((t) => t.name === 'container')!;
    expect(task.dependsOn).toEqual(['build', 'mcp:qms', 'mcp:git']);
    const ctx = ctxFor();
    const results = (await task.run(ctx)) as Array<{ id: string; name: string; created: boolean; imageId: string }>;
    expect(results).toHaveLength(1);
    const result = results[0]!;
    expect(result).toMatchObject({ name: `qms-${PROJECT}-claude`, agent: 'claude', image: IMAGE, imageId, created: true });
    // The auth volume this run made goes too if the run fails (after the container: teardowns run in reverse).
    expect(ctx.teardowns.map((t) => t.label)).toEqual([`remove volume ${result.name}-claude-config`, `remove container ${result.name}`]);
    expect(ctx.lines.join('\n')).not.toContain(ghToken);
    expect(ctx.lines.join('\n')).not.toContain(endpoints[0]!.token);
    expect((await state.get('container:claude'))?.data).toMatchObject({ containerId: result.id, name: result.name });
    firstId = result.id;
  });

  it('is hardened and limited as configured, with no secret in docker inspect', async () => {
    const info = await docker.getContainer(firstId).inspect();
    const hc = info.HostConfig;
    expect(hc.SecurityOpt).toEqual(['no-new-privileges']);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toEqual(['CHOWN']);
    expect(hc.Privileged).toBe(false);
    expect(hc.Init).toBe(true);
    expect(hc.NanoCpus).toBe(1e9);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.PidsLimit).toBe(200);
    expect(hc.Ulimits).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    expect(hc.ExtraHosts).toEqual(['host.docker.internal:host-gateway']);
    expect(info.Config.User).toBe(`${agentUser.uid}:${agentUser.gid}`);
    expect(info.Config.Env).toEqual(expect.arrayContaining(['HOME=/', 'CLAUDE_CONFIG_DIR=/claude-config', 'MCP_TIMEOUT=30000', 'GIT_AUTHOR_NAME=Test Agent']));
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', '/usr/local/bin/qms-healthcheck']);
    expect(info.Config.Labels).toMatchObject({ 'qms.project': PROJECT, 'qms.root': root, 'qms.agent': 'claude' });
    expect(info.Config.Labels?.['qms.config-hash']).toMatch(/^[0-9a-f]{32}$/);
    const mounts = info.Mounts.map((m) => `${m.Destination}:${m.RW ? 'rw' : 'ro'}`).sort();
    expect(mounts).toEqual(
      [
        '/.ssh:ro',
        '/claude-config:rw',
        '/etc/qms:ro',
        '/pipe-dream/.claude/sessions:rw',
        '/pipe-dream/.claude/settings.local.json:ro',
        '/pipe-dream/.claude/users/claude/workspace:rw',
        '/pipe-dream/.mcp.json:ro',
        '/pipe-dream/.qms:ro',
        '/pipe-dream/.env:ro',
        '/pipe-dream/docker/.env:ro',
        '/pipe-dream:ro',
      ].sort(),
    );
    const all = JSON.stringify(info);
    expect(all).not.toContain('docker.sock');
    for (const secret of [ghToken, ...endpoints.map((e) => e.token)]) expect(all).not.toContain(secret);
  });

  it('refuses writes to every read-only path from inside', async () => {
    for (const path of ['/pipe-dream/x', '/pipe-dream/QMS/x', '/pipe-dream/.mcp.json', '/pipe-dream/.claude/settings.local.json', '/.ssh/x', '/etc/qms/x']) {
      const r = await sh(firstId, `echo hacked > ${path}`);
      expect(r.code, path).not.toBe(0);
      expect(r.stderr, path).toMatch(/Read-only file system/);
    }
    expect(await readFile(join(root, '.mcp.json'), 'utf8')).toContain('qms_mcp');
  });

  it('cannot read the host secrets although its uid owns them: .env files and .qms/ are masked', async () => {
    for (const file of ['.env', 'docker/.env', '.qms/mcp/qms.token']) expect((await stat(join(root, file))).uid, file).toBe(agentUser.uid);
    for (const path of ['/pipe-dream/.env', '/pipe-dream/docker/.env', '/pipe-dream/.qms/mcp/qms.token', '/pipe-dream/.qms/state.json']) {
      const r = await sh(firstId, `cat ${path}`);
      expect(r.code, path).not.toBe(0);
      expect(r.stdout, path).toBe('');
    }
    const list = await sh(firstId, 'ls -A /pipe-dream/.qms');
    expect(list.code).not.toBe(0);
    expect(list.stderr).toMatch(/Permission denied/);
    // Nor can it unmask or rewrite them.
    for (const cmd of ['chmod 644 /pipe-dream/.env', 'echo x > /pipe-dream/.env', 'touch /pipe-dream/.qms/x']) expect((await sh(firstId, cmd)).code, cmd).not.toBe(0);
    expect(await readFile(join(root, '.env'), 'utf8')).toBe(`GH_TOKEN=${ghToken}\n`);
  });

  it('writes to workspace and sessions land on the host owned by the agent uid; /projects is writable', async () => {
    const r = await sh(firstId, 'echo w > /pipe-dream/.claude/users/claude/workspace/w.md && mkdir -p /pipe-dream/.claude/sessions/S1 && echo s > /pipe-dream/.claude/sessions/S1/notes.md && echo p > /projects/p && id -u');
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout.trim()).toBe(String(agentUser.uid));
    for (const file of ['.claude/users/claude/workspace/w.md', '.claude/sessions/S1/notes.md']) {
      const st = await stat(join(root, file));
      expect(st.uid, file).toBe(agentUser.uid);
      expect(st.gid, file).toBe(agentUser.gid);
    }
  });

  it('shows the generated MCP config in the overlays and to the entrypoint', async () => {
    const mcpText = (await sh(firstId, 'cat /pipe-dream/.mcp.json')).stdout;
    const mcp = JSON.parse(mcpText) as { mcpServers: Record<string, { type: string; url: string; headersHelper: string }> };
    // The header comes from the helper, which reads /etc/qms: no token in .mcp.json.
    expect(mcp.mcpServers.qms).toEqual({ type: 'http', url: 'http://host.docker.internal:8000/mcp', headersHelper: '/usr/local/bin/qms-mcp-headers /etc/qms/mcp-servers.tsv' });
    for (const e of endpoints) expect(mcpText).not.toContain(e.token);
    const helper = await sh(firstId, 'CLAUDE_CODE_MCP_SERVER_NAME=git /usr/local/bin/qms-mcp-headers /etc/qms/mcp-servers.tsv');
    expect(JSON.parse(helper.stdout)).toEqual({ Authorization: `Bearer ${endpoints[1]!.token}` });
    expect(mcp.mcpServers.git?.url).toBe('http://host.docker.internal:8001/mcp');
    const settings = JSON.parse((await sh(firstId, 'cat /pipe-dream/.claude/settings.local.json')).stdout) as Record<string, unknown>;
    expect(settings).toEqual({ enableAllProjectMcpServers: true, enabledMcpjsonServers: ['qms', 'git'] });
    const tsv = await sh(firstId, 'cat /etc/qms/mcp-servers.tsv; cat /etc/qms/gh-token');
    expect(tsv.stdout).toContain('qms\thttp://host.docker.internal:8000/mcp\tBearer ');
    expect(tsv.stdout).toContain(ghToken);
    // Tokens sit in 0600 files only the agent reads.
    expect((await sh(firstId, 'stat -c %a /etc/qms/mcp-servers.tsv /etc/qms/gh-token')).stdout.split('\n').slice(0, 2)).toEqual(['600', '600']);
    const logs = ((await docker.getContainer(firstId).logs({ stdout: true, stderr: true })) as unknown as Buffer).toString('utf8');
    expect(logs).toContain('ready (idle)');
    expect(logs).not.toContain(ghToken);
  });

  it('passes its health check', async () => {
    const r = await sh(firstId, '/usr/local/bin/qms-healthcheck');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('healthy: workspace writable');
  });

  it('reuses the running container when nothing changed (task skips)', async () => {
    const plugin = container({ image: IMAGE, limits: { cpus: 1, memory: '256m', pids: 200 }, capAdd: ['CHOWN'], sshDir, readyTimeoutSec: 30, network: LITE_NETWORK });
    const ctx = ctxFor();
    await expect(plugin.tasks.find((t) => t.name === 'container')!.run(ctx)).rejects.toThrow(/skipped: container qms-.*-claude running, unchanged/);
    expect(ctx.teardowns).toEqual([]);
    const again = await ensure();
    expect(again).toMatchObject({ action: 'reused', result: { id: firstId, created: false } });
  });

  it('starts it again when stopped', async () => {
    await docker.getContainer(firstId).stop({ t: 1 });
    const out = await ensure();
    expect(out).toMatchObject({ action: 'started', result: { id: firstId, created: false } });
    expect((await docker.getContainer(firstId).inspect()).State.Running).toBe(true);
  });

  it('recreates it when the configuration changes (a new token), keeping workspace and auth volume', async () => {
    expect((await sh(firstId, 'echo kept > /claude-config/login')).code).toBe(0);
    endpoints[1] = { ...endpoints[1]!, token: 'gittoken-rotated-9876543210fedcba' };
    const out = await ensure();
    expect(out.action).toBe('recreated');
    expect(out.result.id).not.toBe(firstId);
    await expect(docker.getContainer(firstId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const r = await sh(out.result.id, 'cat /claude-config/login /pipe-dream/.claude/users/claude/workspace/w.md; grep -c rotated /etc/qms/mcp-servers.tsv');
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['kept', 'w', '1']);
    firstId = out.result.id;
  });

  it('recreates it when a secret file appears (the masked set is part of the configuration), masking it', async () => {
    await writeFile(join(root, '.env.local'), `LATE=${ghToken}\n`);
    await chown(join(root, '.env.local'), agentUser.uid, agentUser.gid);
    // Until then the running container sees it (verification and status report that)…
    expect((await sh(firstId, 'cat /pipe-dream/.env.local')).code).toBe(0);
    const [row] = await statusRows(ctxFor());
    expect(row).toMatchObject({ healthy: false, details: { unmaskedSecrets: expect.stringMatching(/^\.env\.local readable in the container .*`qms up` recreates/) } });
    const out = await ensure();
    expect(out.action).toBe('recreated');
    firstId = out.result.id;
    // …and from the new one on it is masked.
    const r = await sh(firstId, 'cat /pipe-dream/.env.local');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect((await ensure()).action).toBe('reused');
    expect((await statusRows(ctxFor()))[0]).toMatchObject({ healthy: true, details: { unmaskedSecrets: null } });
  });

  it('recreates it on --force', async () => {
    const out = await ensure(ctxFor(true));
    expect(out.action).toBe('recreated');
    firstId = out.result.id;
  });

  it("seeds the auth volume with the host's Claude login once, never overwriting a login made since", async () => {
    const read = async (id: string) => (await sh(id, 'cat /claude-config/.credentials.json; stat -c %a /claude-config/.credentials.json')).stdout;
    expect(await read(firstId)).toBe('{"claudeAiOauth":{"accessToken":"host-login-1"}}\n600\n');
    await writeFile(join(claudeDir, '.credentials.json'), '{"claudeAiOauth":{"accessToken":"host-login-2"}}\n');
    // A refreshed host login alone changes nothing about the container…
    expect((await ensure()).action).toBe('reused');
    // …and a new container keeps the login already in the volume.
    const out = await ensure(ctxFor(true));
    expect(await read(out.result.id)).toContain('host-login-1');
    expect(JSON.stringify(await docker.getContainer(out.result.id).inspect())).not.toContain('host-login');
    firstId = out.result.id;
  });

  it('fails clearly for a missing image or a named ssh folder that does not exist, leaving nothing behind', async () => {
    await expect(ensureContainer(ctxFor(), { opts: opts({ agent: 'other' }), endpoints, image: 'qms-no-such-image:x', force: false })).rejects.toThrow(
      /image qms-no-such-image:x does not exist/,
    );
    await expect(ensureContainer(ctxFor(), { opts: opts({ agent: 'other', sshDir: join(root, 'nope') }), endpoints, image: IMAGE, force: false })).rejects.toThrow(
      /sshDir .* does not exist/,
    );
    expect(await docker.listContainers({ all: true, filters: { label: ['qms.agent=other'] } })).toEqual([]);
  });

  it('fails clearly when the egress proxy cannot start (this image has no node), leaving no proxy, network, agent container or volume', async () => {
    const projectOnly = { label: [`qms.root=${root}`] };
    const volumes = async (): Promise<number> => ((await docker.listVolumes({ filters: projectOnly })).Volumes ?? []).length;
    const before = { containers: (await docker.listContainers({ all: true, filters: projectOnly })).length, networks: (await docker.listNetworks({ filters: projectOnly })).length, volumes: await volumes() };
    await expect(ensureContainer(ctxFor(), { opts: opts({ agent: 'other', network: { allow: ['github.com'] } }), endpoints, image: IMAGE, force: false })).rejects.toThrow(
      new RegExp(`egress proxy cannot start: it runs on the agent image's Node.js, and ${IMAGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no \`node\``),
    );
    expect(await docker.listContainers({ all: true, filters: { label: ['qms.agent=other'] } })).toEqual([]);
    expect((await docker.listContainers({ all: true, filters: projectOnly })).length).toBe(before.containers);
    expect((await docker.listNetworks({ filters: projectOnly })).length).toBe(before.networks);
    expect(await volumes()).toBe(before.volumes);
  });

  it('hands back a remover for an auth volume it made (none for one that was there), which leaves nothing once the container is gone', async () => {
    const made: Array<{ name: string; remove: () => Promise<void> }> = [];
    const run = () => ensureContainer(ctxFor(), { opts: opts({ agent: 'vol' }), endpoints, image: IMAGE, force: true, onVolumeCreated: (name, remove) => void made.push({ name, remove }) });
    const first = await run();
    expect(made.map((m) => m.name)).toEqual([`qms-${PROJECT}-vol-claude-config`]);
    await run(); // recreated: the volume was there
    expect(made).toHaveLength(1);
    await docker.getContainer((await docker.listContainers({ all: true, filters: { label: ['qms.agent=vol'] } }))[0]!.Id).remove({ force: true });
    expect(first.result.agent).toBe('vol');
    await made[0]!.remove();
    await made[0]!.remove(); // already gone: fine
    expect((await docker.listVolumes({ filters: { label: ['qms.agent=vol'] } })).Volumes ?? []).toEqual([]);
  });

  it('refuses, before creating anything, an agent whose container would be the egress proxy', async () => {
    const projectOnly = { label: [`qms.root=${root}`] };
    const before = (await docker.listContainers({ all: true, filters: projectOnly })).length;
    await expect(ensureContainer(ctxFor(), { opts: opts({ agent: 'egress' }), endpoints, image: IMAGE, force: false })).rejects.toThrow(
      new RegExp(`agent name "egress" is taken: qms-${PROJECT}-egress is the project's egress proxy`),
    );
    expect((await docker.listContainers({ all: true, filters: projectOnly })).length).toBe(before);
    await expect(stat(join(root, '.claude', 'users', 'egress'))).rejects.toThrow(/ENOENT/);
  });

  it("refuses, before creating anything, a project the agent's uid cannot enter", async () => {
    await chmod(root, 0o700);
    try {
      const o = opts({ agent: 'other', user: { uid: 4242, gid: 4242 } });
      await expect(ensureContainer(ctxFor(), { opts: o, endpoints, image: IMAGE, force: false })).rejects.toThrow(`uid 4242 cannot enter ${root} (mode 0700`);
      expect(await docker.listContainers({ all: true, filters: { label: ['qms.agent=other'] } })).toEqual([]);
    } finally {
      await chmod(root, 0o755);
    }
  });
});

/** A node script that runs `attachExec` on the project's container, for running under `script` (a pty). */
async function attachScript(name: string, cmd: readonly string[]): Promise<string> {
  const script = join(root, '..', `qms-${name}-${suffix}.mjs`);
  const { id } = (await containerStatuses(ctxFor(), { sampleGapMs: 0 }))[0]!;
  await writeFile(
    script,
    `import { createJiti } from ${JSON.stringify(join(repo, 'node_modules/jiti/lib/jiti.mjs'))};
const jiti = createJiti(import.meta.url);
const { attachExec } = await jiti.import(${JSON.stringify(join(repo, 'plugins/container/attach.ts'))});
const { connectDocker } = await jiti.import(${JSON.stringify(join(repo, 'plugins/docker-engine/client.ts'))});
const docker = await connectDocker(process.env);
process.exit(await attachExec(docker, ${JSON.stringify(id)}, ${JSON.stringify(cmd)}, { stdin: process.stdin, stdout: process.stdout, env: process.env }));
`,
  );
  return script;
}

describe('container manager operations', () => {
  it('status reports state, health, age, memory, CPU, disk and the refresh criteria; stale records are cleaned', async () => {
    await state.put({ id: 'container:ghost', kind: 'container', plugin: 'container', createdAt: new Date().toISOString(), data: { agent: 'ghost', name: 'qms-x-ghost', containerId: 'gone' } });
    const [s] = await containerStatuses(ctxFor());
    expect(s).toMatchObject({ agent: 'claude', name: `qms-${PROJECT}-claude`, state: 'running', refreshReasons: [] });
    expect(['starting', 'healthy']).toContain(s!.health);
    expect(s!.ageHours).toBeGreaterThanOrEqual(0);
    expect(s!.memoryPercent).toBeGreaterThan(0);
    expect(s!.memoryPercent).toBeLessThan(100);
    expect(s!.cpuPercent).toBeGreaterThanOrEqual(0);
    const df = await sh(s!.id, "df -P /pipe-dream/.claude/users/claude/workspace | awk 'NR==2{sub(\"%\",\"\",$5); print $5}'");
    expect(Math.abs(s!.diskPercent! - Number(df.stdout.trim()))).toBeLessThanOrEqual(1);
    // The engine's stats API (remote engines) gives the same figures, only slower.
    const [api] = await containerStatuses(ctxFor(), { statsApi: true });
    expect(api!.memoryPercent).toBeGreaterThan(0);
    expect(Math.abs(api!.memoryPercent! - s!.memoryPercent!)).toBeLessThan(5);
    expect(api!.cpuPercent).toBeGreaterThanOrEqual(0);
    const rows = await statusRows(ctxFor());
    expect(rows.find((r) => r.state === 'running')).toMatchObject({ plugin: 'container', kind: 'container', healthy: true, details: { agent: 'claude', refresh: null } });
    expect(rows.find((r) => r.id === 'qms-x-ghost')).toMatchObject({ state: 'stale', healthy: false });
    expect(await state.get('container:ghost')).toBeUndefined();
    expect(await state.get('container:claude')).toBeDefined();
  });

  it('exec streams stdout and stderr separately and returns the exit code', async () => {
    const [s] = await containerStatuses(ctxFor(), { sampleGapMs: 0 });
    const out = new PassThrough();
    const err = new PassThrough();
    const got = { out: '', err: '' };
    out.on('data', (c: Buffer) => (got.out += c.toString()));
    err.on('data', (c: Buffer) => (got.err += c.toString()));
    const code = await execIn(docker, s!.id, ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], { stdout: out, stderr: err });
    expect({ code, ...got }).toEqual({ code: 3, out: 'to-out\n', err: 'to-err\n' });
  });

  it('an aborted exec (Ctrl-C, a timeout) hangs up its command and its children in the container, then rejects with the reason', async () => {
    const [s] = await containerStatuses(ctxFor(), { sampleGapMs: 0 });
    const sleeping = async () => ((await docker.getContainer(s!.id).top()).Processes ?? []).some((p: string[]) => p.join(' ').includes('sleep 313'));
    const controller = new AbortController();
    // A shell with a child, as a probe script has: the child must not outlive the hang-up.
    const done = execIn(docker, s!.id, ['sh', '-c', 'sleep 313; echo after'], { stdout: new PassThrough(), stderr: new PassThrough(), signal: controller.signal });
    for (let i = 0; i < 100 && !(await sleeping()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await sleeping()).toBe(true);
    controller.abort(new Error('stop it'));
    await expect(done).rejects.toThrow('stop it');
    // Gone by the time the call settles, not merely some time later.
    expect(await sleeping()).toBe(false);
  });

  it('the exec command parses `<agent> -- cmd` and returns the exit code', async () => {
    const plugin = container({ image: IMAGE, network: LITE_NETWORK });
    const code = await plugin.commands!.exec!.run(ctxFor(), ['claude', '--', 'sh', '-c', 'exit 5'], {});
    expect(code).toBe(5);
    await expect(plugin.commands!.exec!.run(ctxFor(), ['claude'], {})).rejects.toThrow(/No command given/);
  });

  it('attach runs the command with a TTY through a pseudo-terminal and returns its exit code', async () => {
    const script = await attachScript('attach', ['sh', '-c', 'test -t 0 && test -t 1 && sleep 0.5 && echo "tty $(stty size)" && exit 7']);
    try {
      const r = await run('script', ['-qec', `stty cols 91 rows 33; node ${script}`, '/dev/null'], { cwd: repo, timeout: 60_000 }).catch((e: { code: number; stdout: string }) => e);
      expect(r).toMatchObject({ code: 7 });
      expect((r as { stdout: string }).stdout).toContain('tty 33 91');
    } finally {
      await rm(script, { force: true });
    }
  });

  it('attach hangs up the command in the container when its terminal goes away', async () => {
    const script = await attachScript('hangup', ['sleep', '313']);
    const { id } = (await containerStatuses(ctxFor(), { sampleGapMs: 0 }))[0]!;
    const sleeping = async () => ((await docker.getContainer(id).top()).Processes ?? []).some((p: string[]) => p.join(' ').includes('sleep 313'));
    const { spawn } = await import('node:child_process');
    // `script` owns the pseudo-terminal: killing it is the terminal window closing.
    const term = spawn('script', ['-qec', `node ${script}`, '/dev/null'], { cwd: repo, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await sleeping()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await sleeping()).toBe(true);
      term.kill('SIGKILL');
      for (let i = 0; i < 100 && (await sleeping()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await sleeping()).toBe(false);
    } finally {
      term.kill('SIGKILL');
      await rm(script, { force: true });
    }
  });

  it('refresh recreates the container from the recorded MCP endpoints, keeping the workspace', async () => {
    const [before] = await containerStatuses(ctxFor(), { sampleGapMs: 0 });
    const ctx = ctxFor();
    await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
    // Recorded as the supervisor records a live server (this test process stands in for it).
    const { readProcess } = await import('../mcp-server/process-identity.js');
    const me = (await readProcess(process.pid))!;
    // The first server was started by a task with a custom name (recorded as taskName), the
    // second by `mcp:<name>` in a record written before taskName was recorded.
    const taskNames = ['qms-server', undefined];
    for (const [i, ep] of endpoints.entries()) {
      const data = { name: ep.name, pid: me.pid, identity: { startTime: me.startTime }, port: ep.port, hostUrl: ep.hostUrl, containerUrl: ep.containerUrl, ...(taskNames[i] ? { taskName: taskNames[i] } : {}) };
      await ctx.state.put({ id: endpointStateId(ep.name), kind: 'mcp-server', plugin: 'mcp-server', createdAt: new Date().toISOString(), data });
      await writeFile(endpointTokenFile(root, ep.name), ep.token, { mode: 0o600 });
    }
    // The image the container was last created from (recorded by ensure), not the `image` option.
    const out = await refreshContainer(ctx, opts({ mcpServers: ['qms-server', `mcp:${endpoints[1]!.name}`], image: 'qms-agent:never-built' }));
    expect(out.action).toBe('recreated');
    expect(out.result.image).toBe(IMAGE);
    expect(out.result.id).not.toBe(before!.id);
    expect((await sh(out.result.id, 'cat /pipe-dream/.claude/users/claude/workspace/w.md')).stdout).toBe('w\n');
    await expect(refreshContainer(ctxFor(false), opts({ mcpServers: ['mcp:absent'] }))).rejects.toThrow(/not running/);
  });

  it('down removes every managed container (twice is fine), the volume only with --volumes', async () => {
    const plugin = container({ image: IMAGE, network: LITE_NETWORK });
    const down = plugin.tasks.find((t) => t.name === 'container:down')!;
    const res = (await down.run(ctxFor())) as { containers: string[]; volumes: string[] };
    expect(res).toEqual({ containers: [`qms-${PROJECT}-claude`], volumes: [], egress: [] });
    expect(await docker.listContainers({ all: true, filters: { label: [`qms.root=${root}`] } })).toEqual([]);
    expect(await state.get('container:claude')).toBeUndefined();
    expect((await docker.listVolumes({ filters: { label: [`qms.root=${root}`] } })).Volumes).toHaveLength(1);
    await expect(down.run(ctxFor())).rejects.toThrow(/skipped: no managed container/);
    const again = await downContainers(ctxFor(), { volumes: true });
    expect(again.volumes).toEqual([`qms-${PROJECT}-claude-claude-config`]);
    expect((await docker.listVolumes({ filters: { label: [`qms.root=${root}`] } })).Volumes ?? []).toEqual([]);
  });

  it('stop removes one agent\'s container and keeps its auth volume and workspace', async () => {
    await ensure();
    const plugin = container({ image: IMAGE, network: LITE_NETWORK });
    expect(await plugin.commands!.stop!.run(ctxFor(), ['claude'], {})).toBe(0);
    expect(await docker.listContainers({ all: true, filters: { label: [`qms.root=${root}`] } })).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [`qms.root=${root}`] } })).Volumes).toHaveLength(1);
    expect(await readFile(join(root, '.claude', 'users', 'claude', 'workspace', 'w.md'), 'utf8')).toBe('w\n');
    expect(await plugin.commands!.stop!.run(ctxFor(), ['claude'], { volumes: true })).toBe(0);
    expect((await docker.listVolumes({ filters: { label: [`qms.root=${root}`] } })).Volumes ?? []).toEqual([]);
  });
});

describe('host files', () => {
  it('without a host .mcp.json or settings.local.json nothing is created in the repository and the container still starts', async () => {
    await rm(join(root, '.mcp.json'));
    await rm(join(root, '.claude', 'settings.local.json'));
    const out = await ensure(ctxFor(), opts({ sshDir: false }));
    expect(out.action).toBe('created');
    await expect(stat(join(root, '.mcp.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await sh(out.result.id, 'test -e /pipe-dream/.mcp.json || echo absent; cat /etc/qms/mcp-servers.tsv | cut -f1')).stdout).toBe('absent\nqms\ngit\n');
    await downContainers(ctxFor(), { volumes: true });
  });
});

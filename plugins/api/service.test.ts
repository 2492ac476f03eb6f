/**
 * The project API as a user meets it under `qms up`: `api({ port, host })` in the config, the
 * built CLI, the real Docker engine (light agent image), fetch with the token from the 0600
 * file. `qms up` starts it (detached, recorded), `qms status` lists it, a second `qms up` reuses
 * it, a config edit is seen without a restart, a changed port restarts it; ensure for two
 * agents runs at once while the same agent is refused (409) and a CLI run waits for the API;
 * `qms down qa` leaves it, `qms down` stops it and leaves no process.
 */
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import { buildLiteImage } from '../container/test/lite-image.js';
import { LABEL } from '../container/names.js';
import { ensureBuilt, qmsBin } from '../../test/cli/built.js';
import { runQms } from '../../test/cli/run-qms.js';
import { freePort, isAlive } from '../../test/helpers/processes.js';

const suffix = Math.random().toString(36).slice(2, 8);
const IMAGE = `qms-agent-lite:apisvc-${suffix}`;
const PROJECT = `apisvc-${suffix}`;

let docker: Docker;
let root: string;
let port = 0;

const tokenFile = () => join(root, '.qms', 'api', 'api.token');
const token = async (): Promise<string> => (await readFile(tokenFile(), 'utf8')).trim();
const api = async (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${await token()}` } });
const qms = (...args: string[]) => runQms(args, { cwd: root });
const recordedPid = async (): Promise<number> => {
  const state = JSON.parse(await readFile(join(root, '.qms', 'state.json'), 'utf8')) as { entries: Record<string, { data: { pid: number } }> };
  return state.entries['api:api']!.data.pid;
};

/**
 * The config: the `gate` task (in `up`, before the container) holds a run open while the file
 * `hold` exists, saying so in `started-<agent>`: runs kept in flight by effect, not by a clock.
 */
function config(apiPort: number, agents: string[]): string {
  return `import { defineConfig, container, api } from 'qms';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
export default defineConfig({
  name: ${JSON.stringify(PROJECT)},
  agents: ${JSON.stringify(agents)},
  plugins: [
    container({ image: ${JSON.stringify(IMAGE)}, imageTask: 'image', mcpServers: [], limits: { cpus: 1, memory: '256m', pids: 200 }, capAdd: ['CHOWN'], sshDir: false, readyTimeoutSec: 30, network: 'open' }),
    api({ port: ${apiPort}, host: '127.0.0.1' }),
  ],
  tasks: [
    { name: 'image', run: () => ({ tag: ${JSON.stringify(IMAGE)} }) },
    { name: 'gate', run: async (ctx) => {
      if (!existsSync(join(ctx.root, 'hold'))) return;
      writeFileSync(join(ctx.root, 'started-' + ctx.options.agents.join('+')), '');
      while (existsSync(join(ctx.root, 'hold'))) await new Promise((r) => setTimeout(r, 50));
    } },
    { name: 'hello', run: () => undefined },
  ],
  chains: { up: ['image', 'api', 'gate', 'container'], down: ['container:down', 'api:stop'] },
});
`;
}

async function until(what: string, check: () => boolean | Promise<boolean>, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const containers = async (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${PROJECT}`] } });

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  await buildLiteImage(docker, IMAGE);
  root = await mkdtemp(join(tmpdir(), 'qms-apisvc-'));
  await chmod(root, 0o755);
  await mkdir(join(root, '.claude', 'agents'), { recursive: true });
  await mkdir(join(root, 'QMS'), { recursive: true });
  for (const a of ['qa', 'dev']) await writeFile(join(root, '.claude', 'agents', `${a}.md`), `# ${a}\n`);
  port = await freePort();
  await writeFile(join(root, 'qms.config.ts'), config(port, ['claude', 'qa']));
  ensureBuilt();
});

afterAll(async () => {
  if (root && existsSync(join(root, '.qms', 'state.json'))) await qms('down');
  for (const c of docker ? await containers() : []) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  if (docker) await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('api() under qms up', () => {
  let pid = 0;

  it('qms up starts it in the background: token in a 0600 file (never printed, never in argv), fetch with it works', async () => {
    const up = await qms('up', 'qa', '--no-attach');
    expect(up.code, up.stderr).toBe(0);
    pid = await recordedPid();
    expect(isAlive(pid)).toBe(true);
    expect((await stat(tokenFile())).mode & 0o777).toBe(0o600);
    const t = await token();
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(up.stdout + up.stderr).not.toContain(t);
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(t);
    const agents = (await (await api('/api/agents')).json()) as { agents: Array<{ agent: string; state: string }> };
    expect(agents.agents.map((a) => [a.agent, a.state])).toEqual([['claude', 'absent'], ['qa', 'running']]);
    expect((await fetch(`http://127.0.0.1:${port}/api/agents`)).status).toBe(401);
  });

  it('qms status lists it; a second qms up reuses it (same process)', async () => {
    const status = await qms('status', '--json');
    const rows = (JSON.parse(status.stdout) as { rows: Array<{ plugin: string; kind: string; state: string; healthy: boolean; details: Record<string, unknown> }> }).rows;
    const row = rows.find((r) => r.plugin === 'api')!;
    expect(row).toMatchObject({ kind: 'api-server', state: 'running', healthy: true, details: { pid, port, url: `http://127.0.0.1:${port}/`, tokenFile: '.qms/api/api.token' } });
    const again = await qms('up', 'qa', '--no-attach');
    expect(again.code, again.stderr).toBe(0);
    expect(await recordedPid()).toBe(pid);
  });

  it('reads the config on every call: an agent added to the roster is served without a restart', async () => {
    await writeFile(join(root, 'qms.config.ts'), config(port, ['claude', 'qa', 'dev']));
    const agents = (await (await api('/api/agents')).json()) as { agents: Array<{ agent: string }> };
    expect(agents.agents.map((a) => a.agent)).toEqual(['claude', 'qa', 'dev']);
    expect((await api('/api/agents/dev/stats')).status).toBe(404); // known now, but not up
    expect(await recordedPid()).toBe(pid);
  });

  it('ensure of two agents runs at once; the same agent again gets 409; a CLI run waits for the API', async () => {
    expect((await api('/api/agents/qa', { method: 'DELETE' })).status).toBe(200);
    await writeFile(join(root, 'hold'), '');
    const claude = api('/api/agents/claude/ensure', { method: 'POST' });
    const qa = api('/api/agents/qa/ensure', { method: 'POST' });
    // Both runs are inside the up chain at the same time.
    await until('both ensure runs in flight', () => existsSync(join(root, 'started-claude')) && existsSync(join(root, 'started-qa')));
    const again = await api('/api/agents/claude/ensure', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'busy', message: expect.stringMatching(/already running ensure claude/) });
    // The API holds the project's run lock: `qms task` waits for it (and says so).
    let cliOut = '';
    let cliDone = false;
    const cli = spawn(process.execPath, [qmsBin, 'task', 'hello'], { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    cli.stderr.on('data', (d: Buffer) => (cliOut += d.toString()));
    const cliExit = new Promise<number | null>((r) => cli.on('close', (code) => ((cliDone = true), r(code))));
    await until('the CLI waiting', () => cliOut.includes('waiting for it to finish'));
    expect(cliDone).toBe(false);
    await rm(join(root, 'hold'));
    const [c, q] = await Promise.all([claude, qa]);
    expect([c.status, q.status]).toEqual([200, 200]);
    expect(await cliExit).toBe(0);
    const running = await containers();
    expect(running.map((x) => x.Labels[LABEL.agent]).sort()).toEqual(['claude', 'qa']);
  });

  it('a changed api() option (the port) restarts it on the next qms up', async () => {
    const old = pid;
    port = await freePort([port]);
    await writeFile(join(root, 'qms.config.ts'), config(port, ['claude', 'qa', 'dev']));
    const up = await qms('task', 'api');
    expect(up.code, up.stderr).toBe(0);
    pid = await recordedPid();
    expect(pid).not.toBe(old);
    await until('the old API gone', () => !isAlive(old));
    expect((await api('/api/openapi.json')).status).toBe(200);
  });

  it('qms down qa leaves it running (it serves the roster); qms down stops it and leaves no process, no token file', async () => {
    const downQa = await qms('down', 'qa');
    expect(downQa.code, downQa.stderr).toBe(0);
    expect(isAlive(pid)).toBe(true);
    expect((await containers()).map((x) => x.Labels[LABEL.agent])).toEqual(['claude']);
    const down = await qms('down');
    expect(down.code, down.stderr).toBe(0);
    await until('the API gone', () => !isAlive(pid));
    expect(existsSync(tokenFile())).toBe(false);
    expect(await containers()).toEqual([]);
    const status = await qms('status', '--json');
    expect((JSON.parse(status.stdout) as { rows: Array<{ plugin: string }> }).rows.some((r) => r.plugin === 'api')).toBe(false);
  });
});

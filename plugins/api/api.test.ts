/**
 * The project API against the real Docker engine, with fetch (and node:http where a header
 * fetch will not send as given): a two-agent project whose `up` chain ensures containers of the
 * light agent image. Each endpoint, each error (401, 403 Host/Origin, 404, 409, 400), concurrent
 * ensure for one agent (one wins, the other gets 409 at once), a lock held by another qms
 * process (409, nothing started), and the dashboard in Debian's headless chromium.
 */
import type Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import { buildLiteImage } from '../container/test/lite-image.js';
import { LABEL } from '../container/names.js';
import { ensureBuilt, qmsBin } from '../../test/cli/built.js';
import { keepHostRecord } from '../verify/host-record.js';
import type { CheckRecord, VerificationReport } from '../verify/report.js';
import { writeReport } from '../verify/write-report.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const suffix = Math.random().toString(36).slice(2, 8);
const IMAGE = `qms-agent-lite:apitest-${suffix}`;
const PROJECT = `apitest-${suffix}`;
const TOKEN = `api-test-token-${suffix}-0123456789abcdef`;
const CHROMIUM = '/usr/bin/chromium';

let docker: Docker;
let root: string;
/** `qms serve api` of the built CLI, as a user runs it. */
let server: ChildProcess;
let port = 0;
let serverOutput = '';
let base: string;
/** The claude container's short id, as the API last returned it. */
let claudeId = '';

const auth = { authorization: `Bearer ${TOKEN}` };
const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${base}${path.replace(/^\//, '')}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
const json = async (res: Response): Promise<Record<string, unknown>> => (await res.json()) as Record<string, unknown>;
const errorOf = async (res: Response): Promise<{ code: string; message: string; hint: string }> => (await json(res)).error as { code: string; message: string; hint: string };

/** A request with headers exactly as given (fetch manages Host itself). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path.replace(/^\//, '')}`, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function projectContainers(agent?: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${PROJECT}`, ...(agent ? [`${LABEL.agent}=${agent}`] : [])] } });
}

/** Reads server-sent events until `until` says stop (or the time runs out). */
function collectEvents(until: (types: Array<{ event: string; data: Record<string, unknown> }>) => boolean, timeoutMs = 60_000) {
  const seen: Array<{ event: string; data: Record<string, unknown> }> = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await api('/api/events', { signal: abort.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buf += dec.decode(value, { stream: true });
        const frames = buf.split('\n\n');
        buf = frames.pop() ?? '';
        for (const f of frames) {
          const event = /^event: (.*)$/m.exec(f)?.[1];
          const data = /^data: (.*)$/m.exec(f)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
        if (until(seen)) break;
      }
    } catch {
      // aborted
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    return seen;
  })();
  return done;
}

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  await buildLiteImage(docker, IMAGE);
  root = await mkdtemp(join(tmpdir(), 'qms-api-'));
  await chmod(root, 0o755);
  await mkdir(join(root, '.claude', 'agents'), { recursive: true });
  await mkdir(join(root, 'QMS'), { recursive: true });
  await writeFile(join(root, '.claude', 'agents', 'qa.md'), '# qa\n');
  await writeFile(
    join(root, 'qms.config.ts'),
    `import { defineConfig, container } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(PROJECT)},
  agents: ['claude', 'qa'],
  plugins: [container({ image: ${JSON.stringify(IMAGE)}, imageTask: 'image', mcpServers: [], limits: { cpus: 1, memory: '256m', pids: 200 }, capAdd: ['CHOWN'], sshDir: false, readyTimeoutSec: 30, network: 'open' })],
  tasks: [{ name: 'image', run: () => ({ tag: ${JSON.stringify(IMAGE)} }) }],
  chains: { up: ['image', 'container'], down: ['container:down'] },
});
`,
  );
  ensureBuilt();
  ({ child: server, url: base } = await startServe({ QMS_API_TOKEN: TOKEN }));
  port = Number(new URL(base).port);
});

/** Starts `qms serve api --port 0` in the project; resolves with its dashboard URL from the start-up line. */
async function startServe(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [qmsBin, 'serve', 'api', '--port', '0', '--config', join(root, 'qms.config.ts')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    const seen = (d: Buffer): void => {
      serverOutput += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(serverOutput);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`qms serve api exited ${code}: ${serverOutput}`)));
  });
  return { child, url };
}

async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

afterAll(async () => {
  if (server) await stopServe(server);
  for (const c of docker ? await projectContainers() : []) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  if (docker) await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('guards', () => {
  it('serves on loopback only by default; the token is never printed', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serverOutput).toContain('agents: claude, qa');
    expect(serverOutput).not.toContain(TOKEN);
  });

  it('without QMS_API_TOKEN: a generated token in a 0600 file under .qms/, its path printed, never the token', async () => {
    const before = serverOutput;
    serverOutput = '';
    const { child, url } = await startServe({ QMS_API_TOKEN: '' });
    try {
      const file = join(root, '.qms', 'api', 'serve.token');
      expect(serverOutput).toContain(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const token = (await readFile(file, 'utf8')).trim();
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(serverOutput).not.toContain(token);
      expect((await fetch(`${url}api/agents`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${url}api/agents`, { headers: auth })).status).toBe(401);
    } finally {
      expect(await stopServe(child)).toBe(0);
      serverOutput = before;
    }
  });

  it('401 without the token or with a wrong one, with a message and a hint', async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token-0123456789" }, { authorization: TOKEN }] as Array<Record<string, string>>) {
      const res = await fetch(`${base}api/agents`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
      const e = await errorOf(res);
      expect(e.code).toBe('unauthorized');
      expect(e.hint).toMatch(/\.qms\/api/);
    }
  });

  it('403 for a foreign Host (DNS rebinding) or Origin, even with the token', async () => {
    const host = await raw('/api/agents', { ...auth, host: 'evil.example:80' });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.code).toBe('forbidden-host');
    const origin = await raw('/api/agents', { ...auth, origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error.code).toBe('forbidden-origin');
    const page = await raw('/', { host: 'evil.example' });
    expect(page.status).toBe(403);
    const ok = await raw('/api/agents', { ...auth, host: `localhost:${port}`, origin: `http://127.0.0.1:${port}` });
    expect(ok.status).toBe(200);
  });

  it('404 for an agent outside the roster, naming the roster; nothing started', async () => {
    for (const [method, path] of [['GET', 'bob/stats'], ['POST', 'bob/ensure'], ['DELETE', 'bob'], ['GET', '..%2Fclaude/verification']] as const) {
      const res = await api(`/api/agents/${path}`, { method });
      expect(res.status).toBe(404);
      const e = await errorOf(res);
      expect(e.code).toBe('unknown-agent');
      expect(e.message).toContain('agents: claude, qa');
    }
    expect(await projectContainers()).toEqual([]);
  });

  it('400 for bad bodies; nothing started', async () => {
    const notJson = await api('/api/agents/claude/ensure', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).message).toMatch(/not valid JSON/);
    const options = await api('/api/agents/claude/ensure', { method: 'POST', body: '{"force":true}' });
    expect(options.status).toBe(400);
    for (const body of ['{"cmd":"ls"}', '{"cmd":[]}', '{"cmd":[1]}', '[]']) {
      const res = await api('/api/agents/claude/exec', { method: 'POST', body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).hint).toMatch(/"cmd"/);
    }
    expect(await projectContainers()).toEqual([]);
  });

  it('serves the OpenAPI document listing every endpoint', async () => {
    const doc = await json(await api('/api/openapi.json'));
    expect(Object.keys(doc.paths as object).sort()).toEqual(
      ['/api/agents', '/api/agents/{agent}', '/api/agents/{agent}/ensure', '/api/agents/{agent}/exec', '/api/agents/{agent}/refresh', '/api/agents/{agent}/stats', '/api/agents/{agent}/verification', '/api/events', '/api/openapi.json'].sort(),
    );
  });
});

describe('agents on the real engine', () => {
  it('lists the roster, nothing up yet', async () => {
    const { agents } = (await json(await api('/api/agents'))) as { agents: Array<{ agent: string; state: string; refresh: { verdict: string } }> };
    expect(agents.map((a) => [a.agent, a.state, a.refresh.verdict])).toEqual([['claude', 'absent', 'unknown'], ['qa', 'absent', 'unknown']]);
    const stats = await api('/api/agents/qa/stats');
    expect(stats.status).toBe(404);
    expect((await errorOf(stats)).hint).toContain('/api/agents/qa/ensure');
  });

  it('409 while another qms process holds the run lock; nothing started', async () => {
    const holder: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', `
      const { createStateStore } = await import(${JSON.stringify(join(repo, 'dist/tasks/index.js'))});
      await createStateStore({ root: ${JSON.stringify(root)} }).withLock('run', () => { console.log('held'); return new Promise(() => setInterval(() => {}, 1000)); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
      const res = await api('/api/agents/qa/ensure', { method: 'POST' });
      expect(res.status).toBe(409);
      const e = await errorOf(res);
      expect(e.code).toBe('busy');
      expect(e.message).toMatch(/another qms run/);
      expect((await api('/api/agents/qa', { method: 'DELETE' })).status).toBe(409);
      expect(await projectContainers()).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('concurrent ensure of one agent: the first runs `qms up claude --no-attach`, the second gets 409 at once; events on the feed', async () => {
    const events = collectEvents((seen) => seen.some((e) => e.event === 'agent' && e.data.phase === 'done'));
    await new Promise((r) => setTimeout(r, 200)); // subscribed before the run starts
    const [a, b] = await Promise.all([api('/api/agents/claude/ensure', { method: 'POST' }), api('/api/agents/claude/ensure', { method: 'POST', body: '{}' })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const won = a.status === 200 ? a : b;
    const lost = a.status === 200 ? b : a;
    expect((await errorOf(lost)).message).toMatch(/already running ensure claude/);
    const body = (await json(won)) as { container_id: string; status: string; tasks: Record<string, string> };
    expect(body.status).toBe('running');
    expect(body.tasks).toEqual({ image: 'succeeded', container: 'succeeded' });
    const [only, ...more] = await projectContainers();
    expect(more).toEqual([]);
    expect(only!.Id.startsWith(body.container_id)).toBe(true);
    expect(only!.Labels[LABEL.agent]).toBe('claude');
    claudeId = body.container_id;
    const seen = await events;
    expect(seen.some((e) => e.event === 'task:start' && e.data.task === 'container' && e.data.agent === 'claude')).toBe(true);
    expect(seen.some((e) => e.event === 'run:end' && e.data.ok === true)).toBe(true);
    expect(seen.some((e) => e.data.replay === true)).toBe(false); // subscribed before: nothing replayed
    // A late subscriber gets the recent events again, marked as replays.
    const replayed = await collectEvents((s) => s.some((e) => e.event === 'agent' && e.data.phase === 'done'), 5_000);
    expect(replayed.find((e) => e.event === 'agent' && e.data.phase === 'done')?.data).toMatchObject({ agent: 'claude', action: 'ensure', replay: true });
    // The engine's events carry no secret: the API token never appears.
    expect(JSON.stringify(seen)).not.toContain(TOKEN);
  });

  it('a second ensure reuses the running container (the up chain skips it)', async () => {
    const body = (await json(await api('/api/agents/claude/ensure', { method: 'POST' }))) as { container_id: string; tasks: Record<string, string> };
    expect(body.container_id).toBe(claudeId);
    expect(body.tasks.container).toBe('skipped');
  });

  it("GET /api/agents: state, health, image, age and the refresh verdict", async () => {
    const { agents } = (await json(await api('/api/agents'))) as { agents: Array<Record<string, unknown> & { refresh: { verdict: string; criteria: Record<string, number> } }> };
    const claude = agents.find((a) => a.agent === 'claude')!;
    expect(claude.state).toBe('running');
    expect(['starting', 'healthy', 'unhealthy', 'none']).toContain(claude.health);
    expect(claude.image).toBe(IMAGE);
    expect(claude.age_hours).toBeGreaterThanOrEqual(0);
    expect(claude.refresh.criteria).toEqual({ ageHours: 72, diskPercent: 80, memoryPercent: 90 });
    expect(['ok', 'refresh']).toContain(claude.refresh.verdict);
    expect(agents.find((a) => a.agent === 'qa')!.state).toBe('absent');
  });

  it("stats: seed 004's fields", async () => {
    const s = (await json(await api('/api/agents/claude/stats'))) as Record<string, number | string | null>;
    expect(Object.keys(s).sort()).toEqual(['age_hours', 'disk_usage_percent', 'memory_limit_mb', 'memory_percent', 'memory_usage_mb', 'status']);
    expect(s.status).toBe('running');
    expect(s.memory_limit_mb).toBe(256);
    expect(s.memory_usage_mb).toBeGreaterThan(0);
    expect(s.memory_percent).toBeCloseTo(((s.memory_usage_mb as number) / 256) * 100, 1);
    expect(s.disk_usage_percent).toBeGreaterThan(0);
  });

  it('exec streams stdout and stderr apart, the exit code last', async () => {
    const res = await api('/api/agents/claude/exec', { method: 'POST', body: JSON.stringify({ cmd: ['sh', '-c', 'echo out; echo err >&2; printf "h\\303\\251"; exit 3'] }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { stream?: string; data?: string; exit?: number });
    const of = (stream: string): string => lines.filter((l) => l.stream === stream).map((l) => l.data).join('');
    expect(of('stdout')).toBe('out\nhé');
    expect(of('stderr')).toBe('err\n');
    expect(lines.at(-1)).toEqual({ exit: 3 });
    const notUp = await api('/api/agents/qa/exec', { method: 'POST', body: '{"cmd":["true"]}' });
    expect(notUp.status).toBe(404);
    expect((await errorOf(notUp)).message).toMatch(/qa is not up/);
  });

  it('exec: a client that goes away hangs the command up in the container', async () => {
    const abort = new AbortController();
    const res = await api('/api/agents/claude/exec', { method: 'POST', body: JSON.stringify({ cmd: ['sh', '-c', 'echo started; exec sleep 299'] }), signal: abort.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.split('\n')[0]!)).toEqual({ stream: 'stdout', data: 'started\n' });
    const sleeping = async (): Promise<string> => {
      const out = await api('/api/agents/claude/exec', { method: 'POST', body: JSON.stringify({ cmd: ['sh', '-c', "grep -las 'sleep[^.]299' /proc/[0-9]*/cmdline || true"] }) });
      return (await out.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { data?: string }).map((l) => l.data ?? '').join('');
    };
    expect(await sleeping()).toContain('/proc/'); // the check sees it while the client is there
    abort.abort();
    let left = await sleeping();
    for (let i = 0; i < 50 && left.includes('/proc/'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await sleeping();
    }
    expect(left).not.toContain('/proc/');
  });

  it("verification: null without any; the host's record, never what an agent plants or rewrites in its session folder", async () => {
    expect((await json(await api('/api/agents/claude/verification'))).verification).toBeNull();
    const session = join(root, '.claude', 'sessions', 'session-1');
    await mkdir(session, { recursive: true });
    const check = (id: string, title: string, result: 'pass' | 'fail'): CheckRecord => ({ id, group: 'read-only', title, how: '-', expected: '-', actual: '-', result, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' });
    const report: VerificationReport = {
      result: 'fail', project: 'p', agent: 'claude', session: 'session-1', qmsVersion: '0', execUser: '1000:1000',
      container: { id: 'c', name: 'qms-p-claude', image: 'i', imageId: 'sha256:i' }, freshContainer: true,
      startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
      // A title with markup: the dashboard must show the Markdown as text, never as HTML.
      checks: [check('ro:/pipe-dream/', 'project read-only', 'fail'), check('mcp:qms', 'qms server <script>x</script>', 'pass')],
    };
    // What verify does: the evidence into the session folder, and the host's record of it.
    const written = await writeReport(session, report, 'verification');
    await keepHostRecord(root, 'claude', written, report);
    const summary = {
      result: 'fail', started_at: report.startedAt, finished_at: report.finishedAt, session: 'session-1',
      file: join('.claude', 'sessions', 'session-1', 'verification.json'), intact: true, fresh_container: true,
      checks: { pass: 1, fail: 1, skip: 0 }, failed: [{ id: 'ro:/pipe-dream/', title: 'project read-only' }],
    };
    expect((await json(await api('/api/agents/claude/verification'))).verification).toEqual(summary);

    // The agent plants a newer "passing" evidence (and a link to a host file) beside it: nothing changes.
    const secret = join(root, 'host-secret.json');
    await writeFile(secret, JSON.stringify({ ...report, result: 'pass', secret: 'host-only' }));
    await writeFile(join(session, 'verification-2.json'), JSON.stringify({ ...report, result: 'pass', checks: [] }));
    await symlink(secret, join(session, 'verification-3.json'));
    expect((await json(await api('/api/agents/claude/verification'))).verification).toEqual(summary);
    // It rewrites the real one as passed: still FAIL, and the copy is no longer intact.
    await writeFile(written.json, JSON.stringify({ ...report, result: 'pass', checks: [] }));
    await writeFile(written.markdown, '# Environment verification — PASS\n');
    expect((await json(await api('/api/agents/claude/verification'))).verification).toEqual({ ...summary, intact: false });
    // The Markdown is the host's copy, as plain text.
    const md = await api('/api/agents/claude/verification?format=markdown');
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(md.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await md.text();
    expect(text).toContain('# Environment verification — FAIL');
    expect(text).not.toContain('host-only');
    // qa has no verification: whatever its session holds.
    await writeFile(join(session, 'verification-qa.json'), JSON.stringify({ ...report, agent: 'qa', result: 'pass' }));
    expect((await json(await api('/api/agents/qa/verification'))).verification).toBeNull();
    expect((await api('/api/agents/qa/verification?format=markdown')).status).toBe(404);
  });

  it('refresh recreates the container (new id), keeping the workspace', async () => {
    const marker = join(root, '.claude', 'users', 'claude', 'workspace', 'kept.txt');
    await writeFile(marker, 'mine\n');
    const res = await api('/api/agents/claude/refresh', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await json(res)) as { container_id: string; status: string };
    expect(body.status).toBe('refreshed');
    expect(body.container_id).not.toBe(claudeId);
    const [only] = await projectContainers('claude');
    expect(only!.Id.startsWith(body.container_id)).toBe(true);
    expect((await stat(marker)).isFile()).toBe(true);
    claudeId = body.container_id;
    const refreshQa = await api('/api/agents/qa/refresh', { method: 'POST' });
    expect(refreshQa.status).toBe(404);
  });
});

describe('dashboard in headless chromium', () => {
  it('loads, lists the agents with state and verification; the refresh button calls the API and the row updates', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`);
    const puppeteer = (await import('puppeteer-core')).default;
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const calls: string[] = [];
      page.on('request', (r) => calls.push(`${r.method()} ${new URL(r.url()).pathname}`));
      await page.goto(`${base}#token=${TOKEN}`);
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 });
      expect(page.url()).toBe(base); // the token left the address bar
      const rows = await page.$$eval('#agents tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 9).map((td) => td.textContent)));
      expect(rows.map((r) => [r[0], r[1]])).toEqual([['claude', 'running'], ['qa', 'absent']]);
      expect(rows[0]![8]).toMatch(/^FAIL 2026-01-01T00:01:00.000Z/);
      expect(rows[0]![8]).toContain('(changed since it was written)'); // the session's copy was rewritten above
      expect(rows[1]![8]).toBe('none'); // what qa's session holds is not its verification
      await page.$eval('tr[data-agent="claude"] button[data-action="evidence"]', (b) => (b as HTMLButtonElement).click());
      await page.waitForFunction(() => (document.getElementById('evidence')?.textContent ?? '').includes('Environment verification'), { timeout: 10_000 });
      expect(await page.$$eval('#evidence script', (x) => x.length)).toBe(0); // shown as text, never as HTML
      const before = await page.$eval('tr[data-agent="claude"]', (tr) => (tr as HTMLElement).dataset.container);
      expect(before).toBe(claudeId);
      // Clicked in the page: a replayed feed event may re-render the row at any moment.
      await page.$eval('tr[data-agent="claude"] button[data-action="refresh"]', (b) => (b as HTMLButtonElement).click());
      await page.waitForFunction((old) => {
        const tr = document.querySelector('tr[data-agent="claude"]') as HTMLElement | null;
        return tr && tr.dataset.container && tr.dataset.container !== old && tr.querySelector('td.state')?.textContent === 'running';
      }, { timeout: 45_000 }, before);
      const after = await page.$eval('tr[data-agent="claude"]', (tr) => (tr as HTMLElement).dataset.container);
      const [only] = await projectContainers('claude');
      expect(only!.Id.startsWith(after!)).toBe(true);
      expect(calls).toContain('POST /api/agents/claude/refresh');
      await page.waitForFunction(() => (document.getElementById('feed')?.textContent ?? '').includes('refresh'), { timeout: 10_000 });
      claudeId = after!;
    } finally {
      await browser.close();
    }
  });
});

describe('stop', () => {
  it('DELETE stops and removes the container ({"status":"stopped"}), the workspace stays', async () => {
    const res = await api('/api/agents/claude', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'stopped' });
    expect(await projectContainers()).toEqual([]);
    expect(existsSync(join(root, '.claude', 'users', 'claude', 'workspace', 'kept.txt'))).toBe(true);
    const stats = await api('/api/agents/claude/stats');
    expect(stats.status).toBe(404);
  });
});

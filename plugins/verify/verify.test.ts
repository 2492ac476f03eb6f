/**
 * verify against a real container (the container plugin's light image: bash, curl, git; no
 * node/claude) started by the container plugin, with the real QMS MCP server on the host
 * (streamable HTTP on loopback + the Docker bridge): the report passes and leaves nothing
 * behind, proving `.env`, `docker/.env` and `.qms/` unreadable although the agent's uid owns
 * them; a `.env*` file created after the container started fails verification until the next
 * ensure recreates the container; a container with the project mounted read-write, without the
 * masks and with a token in its env fails the matching checks, naming the paths.
 */
import type Docker from 'dockerode';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { ensureContainer, execCapture, resolveOptions } from '../container/api.js';
import { defaultAgentUser } from '../container/options.js';
import { buildLiteImage } from '../container/test/lite-image.js';
import { createSession, type SessionResult } from '../session/create-session.js';
import { memoryState, testContext } from '../../test/plugin-test-context.js';
import { QmsError } from '../../tasks/errors.js';
import type { StateStore } from '../../tasks/types.js';
import { verify, type VerifyResult } from './index.js';
import { runVerification } from './run-verification.js';
import { readHostRecord } from './host-record.js';
import type { VerificationReport } from './report.js';
import { freePort } from '../../test/helpers/processes.js';
import { startedRunner } from './target.js';
import { BATCH_COMMAND } from './exec-batch.js';

const suffix = randomBytes(3).toString('hex');
const IMAGE = `qms-agent-lite:vtest-${suffix}`;
const PROJECT = `vtest-${suffix}`;
const LIMITS = { cpus: 1, memory: '256m', pids: 200 } as const;
const SECRET = `host-secret-${randomBytes(8).toString('hex')}`;
const OTHER_TOKEN = randomBytes(24).toString('hex');

let docker: Docker;
let root: string;
let state: StateStore;
let qmsServer: ChildProcess | undefined;
let endpoint: McpEndpoint;
let containerId: string;
let imageId: string;

async function treeSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[p.slice(root.length)] = await readFile(p, 'utf8');
    }
  };
  await walk(dir);
  return out;
}


beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  imageId = await buildLiteImage(docker, IMAGE);
  root = await mkdtemp(join(tmpdir(), 'qms-verify-'));
  await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
  await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '---\ntitle: Document Control\n---\n# SOP-001\n');
  await mkdir(join(root, '.claude'), { recursive: true });
  await writeFile(join(root, '.mcp.json'), '{"mcpServers":{}}\n');
  await writeFile(join(root, '.claude', 'settings.local.json'), '{}\n');
  await writeFile(join(root, '.env'), `GH_TOKEN=${SECRET}\n`);
  await mkdir(join(root, 'docker'), { recursive: true });
  await writeFile(join(root, 'docker', '.env'), `OTHER=${SECRET}\n`);
  await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
  await writeFile(join(root, '.qms', 'mcp', 'qms@qa.token'), `${OTHER_TOKEN}\n`, { mode: 0o600 });
  execFileSync('git', ['init', '-q', root]);
  execFileSync('git', ['-C', root, 'add', '-A']);
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'init']);
  await chmod(root, 0o755); // mkdtemp makes it 0700; a project folder is normally world-readable
  // The project belongs to the user the agent runs as (a normal user's set-up; as root, the
  // agent is 1000:1000), and the QMS server runs as that user, as `qms up` would run it. So
  // do `.env*` and `.qms/`: file permissions alone would let the agent read them.
  const { uid, gid } = defaultAgentUser();
  await mkdir(join(root, '.qms', 'locks'), { recursive: true });
  execFileSync('chown', ['-R', `${uid}:${gid}`, root]);
  state = memoryState();

  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  qmsServer = spawn(process.execPath, [fileURLToPath(new URL('./serve-qms-child.mjs', import.meta.url)), '--project-root', root, '--port', String(port)], {
    env: { ...process.env, QMS_MCP_TOKEN: token, HOME: tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(process.getuid?.() === 0 ? { uid, gid } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    qmsServer!.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    qmsServer!.stdout!.on('data', (c: Buffer) => c.toString().includes('serving') && resolve());
    qmsServer!.once('exit', (code) => reject(new Error(`QMS MCP server exited ${code}: ${err}`)));
  });
  endpoint = { name: 'qms', port, hostUrl: `http://127.0.0.1:${port}/mcp`, containerUrl: `http://host.docker.internal:${port}/mcp`, token };

  const ctx = testContext({ root, project: PROJECT, name: 'container', state, results: { 'mcp:qms': endpoint } });
  await createSession(root, 'claude');
  const opts = resolveOptions({ image: IMAGE, limits: LIMITS, mcpServers: ['mcp:qms'], sshDir: false, readyTimeoutSec: 60, network: 'open' });
  const { result } = await ensureContainer(ctx, { opts, endpoints: [endpoint], image: IMAGE, force: false });
  containerId = result.id;
}, 600_000);

afterAll(async () => {
  if (qmsServer?.pid && qmsServer.exitCode === null) {
    const exited = new Promise((r) => qmsServer!.once('exit', r));
    process.kill(qmsServer.pid, 'SIGTERM');
    await exited;
  }
  if (docker) {
    const filters = { label: [`qms.project=${PROJECT}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  }
  if (root) await rm(root, { recursive: true, force: true });
});

describe('verify task on a real container', () => {
  it('passes every check, writes the evidence into the session and leaves nothing behind', async () => {
    const qmsBefore = await treeSnapshot(join(root, 'QMS'));
    const session = await createSession(root, 'claude');
    const plugin = verify({ mcpServers: ['mcp:qms'], limits: LIMITS });
    const task = plugin.tasks[0]!;
    expect(task.dependsOn).toEqual(['container', 'session', 'mcp:qms']);
    const ctx = testContext({
      root,
      project: PROJECT,
      name: 'verify',
      state,
      results: { container: { id: containerId, name: `qms-${PROJECT}-claude`, agent: 'claude', image: IMAGE, imageId, created: true }, session, 'mcp:qms': endpoint },
    });
    let result: VerifyResult;
    try {
      result = (await task.run(ctx)) as VerifyResult;
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await readFile(join(session.dir, 'verification.md'), 'utf8').catch(() => '')}`);
    }
    expect(result.report).toBe(join(session.dir, 'verification.md'));

    const report = JSON.parse(await readFile(join(session.dir, 'verification.json'), 'utf8')) as VerificationReport;
    // The container task says it created the container in this run: no agent process ran in it.
    expect(report).toMatchObject({ result: 'pass', project: PROJECT, agent: 'claude', session: session.id, container: { id: containerId, imageId }, freshContainer: true });
    expect(await readFile(join(session.dir, 'verification.md'), 'utf8')).toContain('| Agent processes before the checks | none: the container was created by this run |');
    expect(report.execUser).toMatch(/^\d+:\d+$/);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    for (const id of [
      'mcp:qms',
      'ro:/pipe-dream/',
      'ro:/pipe-dream/QMS/',
      'ro:/pipe-dream/.git/',
      'ro:/etc/qms/',
      'ro:/pipe-dream/.mcp.json',
      'ro:/pipe-dream/.claude/settings.local.json',
      'ro:/pipe-dream/.claude/users/claude/inbox/',
      'rw:/pipe-dream/.claude/users/claude/workspace/',
      'rw:/pipe-dream/.claude/sessions/',
      'rw:/projects/',
      'git-clone:/projects',
      'qms-round-trip',
      'config:cpus',
      'config:memory',
      'config:pids',
      'config:nofile',
      'config:no-new-privileges',
      'config:cap-drop',
      'config:privileged',
      'config:docker-socket',
      'config:mount:/pipe-dream',
      'config:mount:/pipe-dream/.qms',
      'config:mount:/pipe-dream/.env',
      'config:mount:/pipe-dream/docker/.env',
      'masked:/pipe-dream/.qms/',
      'masked:/pipe-dream/.env',
      'masked:/pipe-dream/docker/.env',
      'secrets:docker-inspect',
      'secrets:processes',
    ]) {
      expect(byId.get(id)?.result, id).toBe('pass');
    }
    expect(byId.get('mcp:qms')!.actual).toMatch(/qms_checkout/);
    expect(byId.get('masked:/pipe-dream/.env')!.actual).toMatch(/read refused: .*Permission denied/);
    expect(byId.get('masked:/pipe-dream/.qms/')!.actual).toMatch(/listing refused or empty; none of the \d+ files readable/);
    expect(byId.get('secrets:processes')!.actual).toMatch(/^\d+ processes read/);
    expect(byId.get('git-clone:/projects')!.actual).toContain(execFileSync('git', ['-c', 'safe.directory=*', '-C', root, 'rev-parse', 'HEAD']).toString().trim());
    // No Claude Code in the light image: that check is recorded as skipped, not silently dropped.
    expect(byId.get('mcp:claude-mcp-list')?.result).toBe('skip');
    expect(report.checks.filter((c) => c.result === 'fail')).toEqual([]);
    for (const c of report.checks) expect(Date.parse(c.finishedAt)).toBeGreaterThanOrEqual(Date.parse(c.startedAt));

    const md = await readFile(join(session.dir, 'verification.md'), 'utf8');
    expect(md).toContain('# Environment verification — PASS');
    expect(md).toContain(containerId);
    // No secret in the evidence or the log.
    for (const text of [md, JSON.stringify(report), ctx.lines.join('\n')]) for (const secret of [endpoint.token, SECRET, OTHER_TOKEN]) expect(text).not.toContain(secret);
    // The canary the masked-dir probe wrote into .qms/verify is gone again.
    expect((await readdir(join(root, '.qms', 'verify'))).filter((n) => n.startsWith('canary'))).toEqual([]);

    // Nothing left behind: the user's QMS tree is as it was, no scratch files anywhere.
    expect(await treeSnapshot(join(root, 'QMS'))).toEqual(qmsBefore);
    expect(await readdir(join(root, '.claude', 'users', 'claude', 'workspace'))).toEqual([]);
    expect((await readdir(join(root, '.claude', 'sessions'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await execCapture(docker, containerId, ['ls', '-A', '/projects'])).stdout.trim()).toBe('');
  });

  it("starts the batch's exec ahead, waiting for its script; its time limit counts from the handover; an unused one is ended", async () => {
    const user = `${defaultAgentUser().uid}:${defaultAgentUser().gid}`;
    // The container's processes waiting as BATCH_COMMAND does (their arguments, read from /proc).
    const waiting = async (): Promise<number> => {
      const { stdout } = await execCapture(docker, containerId, ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done']);
      return stdout.split('\n').filter((l) => l.includes('eval "$(cat)"')).length;
    };
    const until = async (n: number): Promise<void> => {
      for (let i = 0; i < 100 && (await waiting()) !== n; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await waiting()).toBe(n);
    };
    const signal = new AbortController().signal;
    let go!: () => void;
    const runner = startedRunner(docker, containerId, user, signal, new Promise<void>((r) => (go = r)));
    await new Promise((r) => setTimeout(r, 300));
    expect(await waiting()).toBe(0); // nothing starts before `after`
    go();
    await until(1);
    await new Promise((r) => setTimeout(r, 500)); // longer than the limit below: it counts from the handover
    const out = await runner.run(BATCH_COMMAND, '1\nvalue one\nprintf "%s|" "$V0"; id -u\n', 400);
    expect(out).toEqual({ code: 0, stdout: `value one|${defaultAgentUser().uid}\n`, stderr: '' });
    // A second batch gets an exec of its own, held to its limit.
    const started = Date.now();
    await expect(runner.run(BATCH_COMMAND, '0\nsleep 5\n', 300)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);

    const unused = startedRunner(docker, containerId, user, signal, Promise.resolve());
    await until(1);
    await unused.close();
    await until(0);
  });

  it('does not overwrite earlier evidence: a re-verification (qms verify) goes into the current session as verification-2', async () => {
    const plugin = verify({ mcpServers: ['mcp:qms'], limits: LIMITS, qmsServer: false });
    // `qms verify` runs in another process: container by labels, endpoint from the state record.
    const ctx = testContext({ root, project: PROJECT, name: 'verify', state, results: { 'mcp:qms': endpoint } });
    const sessionId = (await readFile(join(root, '.claude', 'sessions', 'CURRENT_SESSION'), 'utf8')).trim();
    await plugin.commands!.verify!.run(ctx, [], {});
    const files = await readdir(join(root, '.claude', 'sessions', sessionId));
    expect(files.sort()).toEqual(['verification-2.json', 'verification-2.md', 'verification.json', 'verification.md']);
    // A running container: a process the agent left could have run beside the checks, and the evidence says so.
    const second = JSON.parse(await readFile(join(root, '.claude', 'sessions', sessionId, 'verification-2.json'), 'utf8')) as VerificationReport;
    expect(second.freshContainer).toBe(false);
    expect(await readFile(join(root, '.claude', 'sessions', sessionId, 'verification-2.md'), 'utf8')).toMatch(/\| Agent processes before the checks \| possible: the container was already running/);
  });
});

describe('a secret file created after the container started', () => {
  it('fails verification until the next ensure recreates the container with it masked', async () => {
    const late = join(root, '.env.local');
    await writeFile(late, `LATE=${SECRET}\n`);
    execFileSync('chown', [`${defaultAgentUser().uid}:${defaultAgentUser().gid}`, late]);
    const verifyNow = async () => {
      const session = await createSession(root, 'claude');
      const ctx = testContext({ root, project: PROJECT, name: 'verify', state });
      const input = { root, project: PROJECT, agent: 'claude', containerId, session, endpoints: [endpoint], qmsServer: false as const, limits: LIMITS, claudeMcpList: false as const, env: process.env as Record<string, string>, log: ctx.log, signal: ctx.signal };
      const err = await runVerification(input).then(() => undefined, (e: unknown) => e);
      const report = JSON.parse(await readFile(join(session.dir, 'verification.json'), 'utf8')) as VerificationReport;
      return { err, report, byId: new Map(report.checks.map((c) => [c.id, c])) };
    };
    const before = await verifyNow();
    expect(before.err).toBeInstanceOf(QmsError);
    expect((before.err as QmsError).message).toContain('masked:/pipe-dream/.env.local');
    expect(before.byId.get('masked:/pipe-dream/.env.local')).toMatchObject({ result: 'fail', actual: expect.stringMatching(/readable: \d+ bytes .*`qms up` recreates/) });
    expect(JSON.stringify(before.report)).not.toContain(SECRET);

    const ctx = testContext({ root, project: PROJECT, name: 'container', state, results: { 'mcp:qms': endpoint } });
    const opts = resolveOptions({ image: IMAGE, limits: LIMITS, mcpServers: ['mcp:qms'], sshDir: false, readyTimeoutSec: 60, network: 'open' });
    const out = await ensureContainer(ctx, { opts, endpoints: [endpoint], image: IMAGE, force: false });
    expect(out.action).toBe('recreated');
    containerId = out.result.id;
    const after = await verifyNow();
    expect(after.err).toBeUndefined();
    expect(after.byId.get('masked:/pipe-dream/.env.local')).toMatchObject({ result: 'pass' });
  });
});

describe('verify on a container with the project mounted read-write, no masks and a token in its env', () => {
  it('fails check (2), the masks and the token checks, and the task; the report names the paths', async () => {
    const good = await docker.getContainer(containerId).inspect();
    const masked = new Set(['/pipe-dream/.qms', '/pipe-dream/.env', '/pipe-dream/docker/.env', '/pipe-dream/.env.local']);
    const mounts = (good.HostConfig.Mounts ?? []).filter((m) => !masked.has(m.Target)).map((m) => (m.Target === '/pipe-dream' ? { ...m, ReadOnly: false } : m));
    // The project is the agent uid's own (see beforeAll), so only the mount decides.
    const bad = await docker.createContainer({
      name: `qms-${PROJECT}-rw`,
      Image: imageId,
      Entrypoint: ['sleep', 'infinity'],
      User: good.Config.User,
      Env: [`LEAK=${endpoint.token}`],
      Labels: { 'qms.project': PROJECT, 'qms.test': 'verify' },
      HostConfig: { ...good.HostConfig, Mounts: mounts, Binds: [] },
    });
    try {
      await bad.start();
      const session: SessionResult = await createSession(root, 'claude');
      const ctx = testContext({ root, project: PROJECT, name: 'verify', state });
      const err = await runVerification({
        root,
        project: PROJECT,
        agent: 'claude',
        containerId: bad.id,
        session,
        endpoints: [endpoint],
        qmsServer: 'qms',
        limits: LIMITS,
        claudeMcpList: 'always',
        env: process.env as Record<string, string>,
        log: ctx.log,
        signal: ctx.signal,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QmsError);
      expect((err as QmsError).message).toContain('ro:/pipe-dream/');
      expect((err as QmsError).hint).toContain(join(session.dir, 'verification.md'));
      const report = JSON.parse(await readFile(join(session.dir, 'verification.json'), 'utf8')) as VerificationReport;
      expect(report.result).toBe('fail');
      const byId = new Map(report.checks.map((c) => [c.id, c]));
      expect(byId.get('ro:/pipe-dream/')).toMatchObject({ result: 'fail', actual: expect.stringContaining('write succeeded') });
      expect(byId.get('ro:/pipe-dream/QMS/')).toMatchObject({ result: 'fail' });
      expect(byId.get('config:mount:/pipe-dream')).toMatchObject({ result: 'fail', actual: expect.stringContaining('RW true') });
      for (const id of ['masked:/pipe-dream/.env', 'masked:/pipe-dream/docker/.env']) {
        expect(byId.get(id), id).toMatchObject({ result: 'fail', actual: expect.stringMatching(/^readable: \d+ bytes/) });
      }
      expect(byId.get('masked:/pipe-dream/.qms/')).toMatchObject({ result: 'fail', actual: expect.stringMatching(/read \d+ bytes of mcp\/qms@qa.token/) });
      expect(byId.get('secrets:docker-inspect')).toMatchObject({ result: 'fail', actual: 'found: the qms MCP token' });
      expect(byId.get('secrets:processes')).toMatchObject({ result: 'fail', actual: expect.stringMatching(/the qms MCP token in the environment of pid 1\b/) });
      for (const secret of [endpoint.token, SECRET, OTHER_TOKEN]) expect(JSON.stringify(report)).not.toContain(secret);
      expect(await readFile(join(session.dir, 'verification.md'), 'utf8')).toMatch(/ro:\/pipe-dream\/ .*\*\*FAIL\*\*/);
      // The probe's own writes were undone.
      expect((await readdir(root)).filter((n) => n.startsWith('.qms-verify'))).toEqual([]);
      expect((await readdir(join(root, 'QMS'))).filter((n) => n.startsWith('.qms-verify'))).toEqual([]);
      expect((await readHostRecord(root, 'claude'))?.report.result).toBe('fail');

      // The agent plants a symlink where the next evidence goes: the failures are still told, and
      // the host's record (what the API reads) holds this failed verification, not an older one.
      const next = await createSession(root, 'claude');
      await symlink('/nonexistent', join(next.dir, 'verification.json'));
      const again = await runVerification({ root, project: PROJECT, agent: 'claude', containerId: bad.id, session: next, endpoints: [endpoint], qmsServer: false, limits: LIMITS, claudeMcpList: false, env: process.env as Record<string, string>, log: ctx.log, signal: ctx.signal }).catch((e: unknown) => e);
      expect((again as QmsError).message).toMatch(/checks? of claude failed: .*ro:\/pipe-dream\/.*; and .*symlink/);
      const record = await readHostRecord(root, 'claude');
      expect(record).toMatchObject({ file: null, sha256: null, report: { result: 'fail', session: next.id } });
    } finally {
      await bad.remove({ force: true });
    }
  });
});

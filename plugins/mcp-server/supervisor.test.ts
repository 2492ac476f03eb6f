/**
 * The supervisor with real processes: our built-in QMS server started detached and probed with
 * the SDK client; reuse, stale records (dead pid, pid of an unrelated live program), port
 * conflicts, a crash during start, a server that speaks HTTP but not MCP, stop and teardown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { makeTaskContext, Skipped, type TestContext } from '../../test/helpers/mcp-context.js';
import { QmsError } from '../../tasks/errors.js';
import type { Plugin, TaskContext } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';
import { qmsMcp, mcpServer, loadEndpoint, loadEndpointForTask } from './index.js';
import { packageRoot } from './package-root.js';
import { stopServer } from './supervisor.js';
import { freePort, isAlive as alive } from '../../test/helpers/processes.js';



const task = (plugin: Plugin, name: string) => plugin.tasks.find((t) => t.name === name)!;

async function runTask<T>(plugin: Plugin, name: string, ctx: TaskContext): Promise<{ value?: T; skipped?: string }> {
  try {
    return { value: (await task(plugin, name).run(ctx)) as T };
  } catch (err) {
    if (err instanceof Skipped) return { value: err.result as T, skipped: err.reason };
    throw err;
  }
}

async function listTools(endpoint: McpEndpoint): Promise<string[]> {
  const client = new Client({ name: 'supervisor-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.hostUrl), { requestInit: { headers: { authorization: `Bearer ${endpoint.token}` } } }));
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((t) => t.name);
}

describe('mcp-server supervisor', () => {
  let root: string;
  const extraPids: number[] = [];
  const names = ['qms', 'bad', 'crash', 'http', 'nocmd', 'taken', 'tear'];

  beforeAll(async () => {
    if (!existsSync(join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js'))) {
      // tsc emits despite type errors elsewhere in a tree under construction
      try {
        execFileSync(process.execPath, [join(packageRoot(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: packageRoot(), stdio: 'ignore' });
      } catch {
        // checked below
      }
    }
    expect(existsSync(join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js'))).toBe(true);
    root = await mkdtemp(join(tmpdir(), 'qms-supervisor-test-'));
    await mkdir(join(root, 'QMS', 'CR'), { recursive: true });
    await writeFile(join(root, 'QMS', 'CR', 'CR-043.md'), '---\ntitle: Containers\n---\n# CR-043\n');
  });

  afterAll(async () => {
    const ctx = makeTaskContext(root);
    for (const n of names) await stopServer(ctx, n, { graceMs: 1000 }).catch(() => undefined);
    for (const pid of extraPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('starts the built-in QMS server detached, ready over MCP, with pid/log/token files and a state record', async () => {
    const port = await freePort();
    const plugin = qmsMcp({ port, hosts: ['127.0.0.1'] });
    expect(plugin.tasks.map((t) => t.name)).toEqual(['mcp:qms', 'mcp:qms:stop']);
    const ctx = makeTaskContext(root);
    const { value: endpoint, skipped } = await runTask<McpEndpoint>(plugin, 'mcp:qms', ctx);
    expect(skipped).toBeUndefined();
    expect(endpoint).toMatchObject({ name: 'qms', port, hostUrl: `http://127.0.0.1:${port}/mcp`, containerUrl: `http://host.docker.internal:${port}/mcp` });
    expect(await listTools(endpoint!)).toContain('qms_checkout');
    expect(ctx.secrets).toContain(endpoint!.token);

    const dir = join(root, '.qms', 'mcp');
    const pid = Number(await readFile(join(dir, 'qms.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    expect((await stat(join(dir, 'qms.token'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'qms.token'), 'utf8')).trim()).toBe(endpoint!.token);
    // the token reaches the child through env only: not in its argv, not in its log
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(endpoint!.token);
    const log = await readFile(join(dir, 'qms.log'), 'utf8');
    expect(log).toContain('qms-mcp: serving');
    expect(log).not.toContain(endpoint!.token);

    const entry = await ctx.state.get('mcp:qms');
    expect(entry).toMatchObject({ kind: 'mcp-server', data: { name: 'qms', pid, port, hostUrl: endpoint!.hostUrl } });
    expect((entry!.data.identity as { startTime: string; cmdlineHash: string }).cmdlineHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entry)).not.toContain(endpoint!.token);
    expect(ctx.teardowns.map((t) => t.label)).toEqual(['stop MCP server qms']);

    // another process's view: loadEndpoint, status, logs
    const other = makeTaskContext(root);
    expect(await loadEndpoint(other, 'qms')).toEqual(endpoint);
    const rows = await plugin.status!(other);
    expect(rows).toEqual([expect.objectContaining({ id: 'mcp:qms', state: 'running', healthy: true, details: expect.objectContaining({ pid, port }) })]);
    expect(await plugin.commands!.logs!.run(other, ['qms'], {})).toBe(0);
    expect(other.lines.join('\n')).toContain('qms-mcp: serving');
    await expect(plugin.commands!.logs!.run(other, ['nope'], {})).rejects.toThrow(/no log for MCP server "nope"/);
  });

  it('reuses a healthy server: the second run is skipped with the same pid, token and endpoint', async () => {
    const before = (await makeTaskContext(root).state.get('mcp:qms'))!.data.pid;
    const port = ((await makeTaskContext(root).state.get('mcp:qms'))!.data.port) as number;
    const ctx = makeTaskContext(root);
    const { value, skipped } = await runTask<McpEndpoint>(qmsMcp({ port, hosts: ['127.0.0.1'] }), 'mcp:qms', ctx);
    expect(skipped).toBe(`MCP server qms already running (pid ${before})`);
    expect(value).toEqual(await loadEndpoint(ctx, 'qms'));
    expect(ctx.secrets).toContain(value!.token);
    expect(ctx.teardowns).toEqual([]); // a reused server is not the run's to tear down
    expect((await ctx.state.get('mcp:qms'))!.data.pid).toBe(before);
  });

  it('restarts a server whose configuration changed', async () => {
    const old = (await makeTaskContext(root).state.get('mcp:qms'))!.data as { pid: number; port: number };
    const ctx = makeTaskContext(root);
    const { value, skipped } = await runTask<McpEndpoint>(qmsMcp({ port: old.port, hosts: ['127.0.0.1'], user: 'alice' }), 'mcp:qms', ctx);
    expect(skipped).toBeUndefined();
    expect(ctx.lines.join('\n')).toMatch(/different configuration; restarting/);
    const now = (await ctx.state.get('mcp:qms'))!.data.pid as number;
    expect(now).not.toBe(old.pid);
    expect(alive(old.pid)).toBe(false);
    expect(await listTools(value!)).toContain('qms_inbox');
  });

  it('stops: the process is gone, files and record cleaned; stopping again is a no-op', async () => {
    const ctx = makeTaskContext(root);
    const pid = (await ctx.state.get('mcp:qms'))!.data.pid as number;
    const plugin = qmsMcp({ port: 1 });
    const first = await runTask(plugin, 'mcp:qms:stop', ctx);
    expect(first.skipped).toBeUndefined();
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(root, '.qms', 'mcp', 'qms.pid'))).toBe(false);
    expect(existsSync(join(root, '.qms', 'mcp', 'qms.token'))).toBe(false);
    expect(await ctx.state.get('mcp:qms')).toBeUndefined();
    expect(existsSync(join(root, '.qms', 'mcp', 'qms.log'))).toBe(true);
    expect((await runTask(plugin, 'mcp:qms:stop', ctx)).skipped).toBe('MCP server qms is not running');
    expect(await loadEndpoint(ctx, 'qms')).toBeUndefined();
    expect(await plugin.status!(ctx)).toEqual([]);
  });

  it('follows a log with qms logs -f until interrupted', async () => {
    const controller = new AbortController();
    const ctx = makeTaskContext(root, { signal: controller.signal });
    const following = qmsMcp({ port: 1 }).commands!.logs!.run(ctx, ['qms'], { f: true });
    await new Promise((r) => setTimeout(r, 300));
    const { appendFile } = await import('node:fs/promises');
    await appendFile(join(root, '.qms', 'mcp', 'qms.log'), 'appended while following\n');
    for (let i = 0; i < 40 && !ctx.lines.some((l) => l.includes('appended while following')); i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await following).toBe(0);
    expect(ctx.lines.at(-1)).toBe('output: appended while following');
    expect(ctx.lines.join('\n')).toContain('qms-mcp: serving');
  });

  it('cleans a stale record of a dead pid and starts afresh', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const ctx = makeTaskContext(root);
    await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
    await writeFile(join(root, '.qms', 'mcp', 'qms.pid'), `${dead.pid}\n`);
    await ctx.state.put({ id: 'mcp:qms', kind: 'mcp-server', plugin: 'mcp-qms', createdAt: new Date().toISOString(), data: { name: 'qms', pid: dead.pid, port: 1, hostUrl: 'http://127.0.0.1:1/mcp', containerUrl: '', identity: { startTime: '1' }, configHash: 'x' } });
    const port = await freePort();
    const { value } = await runTask<McpEndpoint>(qmsMcp({ port, hosts: ['127.0.0.1'] }), 'mcp:qms', ctx);
    expect(ctx.lines.join('\n')).toMatch(new RegExp(`recorded as pid ${dead.pid} is no longer running`));
    expect(value!.port).toBe(port);
    await stopServer(ctx, 'qms');
  });

  it('never signals an unrelated live program that now has the recorded pid', async () => {
    const sleeper: ChildProcess = spawn('sleep', ['60'], { stdio: 'ignore' });
    extraPids.push(sleeper.pid!);
    const ctx = makeTaskContext(root);
    const record = { name: 'qms', pid: sleeper.pid, port: 1, hostUrl: 'http://127.0.0.1:1/mcp', containerUrl: '', identity: { startTime: '12345' }, configHash: 'x' };
    await ctx.state.put({ id: 'mcp:qms', kind: 'mcp-server', plugin: 'mcp-qms', createdAt: new Date().toISOString(), data: record });
    const port = await freePort();
    await runTask(qmsMcp({ port, hosts: ['127.0.0.1'] }), 'mcp:qms', ctx);
    expect(ctx.lines.join('\n')).toMatch(new RegExp(`pid ${sleeper.pid} recorded for MCP server qms now belongs to another program \\(sleep 60\\); not signalled`));
    expect(alive(sleeper.pid!)).toBe(true);
    await stopServer(ctx, 'qms');

    // through the stop task and the status hook, and a bare pid file: still not signalled
    await ctx.state.put({ id: 'mcp:qms', kind: 'mcp-server', plugin: 'mcp-qms', createdAt: new Date().toISOString(), data: record });
    expect(await qmsMcp({ port }).status!(ctx)).toEqual([expect.objectContaining({ state: 'stale', healthy: false })]);
    await ctx.state.put({ id: 'mcp:qms', kind: 'mcp-server', plugin: 'mcp-qms', createdAt: new Date().toISOString(), data: record });
    await runTask(qmsMcp({ port }), 'mcp:qms:stop', ctx);
    await writeFile(join(root, '.qms', 'mcp', 'qms.pid'), `${sleeper.pid}\n`);
    expect(await stopServer(ctx, 'qms')).toBe('not-running');
    expect(alive(sleeper.pid!)).toBe(true);
    expect(existsSync(join(root, '.qms', 'mcp', 'qms.pid'))).toBe(false);
    sleeper.kill('SIGKILL');
  });

  it('restarts its own server whose state record was lost (corrupt state.json), instead of failing on the port', async () => {
    const port = await freePort();
    const plugin = qmsMcp({ port, hosts: ['127.0.0.1'] });
    const ctx = makeTaskContext(root);
    await runTask(plugin, 'mcp:qms', ctx);
    const orphan = (await ctx.state.get('mcp:qms'))!.data.pid as number;
    await ctx.state.remove('mcp:qms'); // the pid file stays, as after a lost state file
    const again = makeTaskContext(root);
    const { value, skipped } = await runTask<McpEndpoint>(plugin, 'mcp:qms', again);
    expect(skipped).toBeUndefined();
    expect(again.lines.join('\n')).toMatch(new RegExp(`pid ${orphan}\\) is running without a state record.*restarting it`));
    expect(alive(orphan)).toBe(false);
    const now = (await again.state.get('mcp:qms'))!.data.pid as number;
    expect(now).not.toBe(orphan);
    expect(await listTools(value!)).toContain('qms_read');
    await stopServer(again, 'qms');
  });

  it('records the task name: a custom taskName finds its server (qms refresh, qms verify)', async () => {
    const port = await freePort();
    const ctx = makeTaskContext(root);
    const { value: endpoint } = await runTask<McpEndpoint>(qmsMcp({ port, hosts: ['127.0.0.1'], taskName: 'qms-server' }), 'qms-server', ctx);
    const other = makeTaskContext(root);
    expect((await other.state.get('mcp:qms'))!.data.taskName).toBe('qms-server');
    expect(await loadEndpointForTask(other, 'qms-server')).toEqual(endpoint);
    expect(await loadEndpointForTask(other, 'mcp:qms')).toBeUndefined();
    // reused under the default task name: the record follows, no restart
    const { skipped } = await runTask<McpEndpoint>(qmsMcp({ port, hosts: ['127.0.0.1'] }), 'mcp:qms', makeTaskContext(root));
    expect(skipped).toMatch(/already running/);
    expect(await loadEndpointForTask(other, 'mcp:qms')).toEqual(endpoint);
    expect(await loadEndpointForTask(other, 'qms-server')).toBeUndefined();
    // a record written before taskName was recorded: found by its id
    const entry = (await other.state.get('mcp:qms'))!;
    const { taskName: _recorded, ...legacy } = entry.data;
    await other.state.put({ ...entry, data: legacy });
    expect(await loadEndpointForTask(other, 'mcp:qms')).toEqual(endpoint);
    await stopServer(ctx, 'qms');
  });

  it('status does not clean a server that replaced the stale one it read (up racing status)', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const base = makeTaskContext(root);
    const stale = { name: 'race', pid: dead.pid, port: 1, hostUrl: 'http://127.0.0.1:1/mcp', containerUrl: '', identity: { startTime: '1' }, configHash: 'x', startedAt: '2026-01-01T00:00:00.000Z' };
    await base.state.put({ id: 'mcp:race', kind: 'mcp-server', plugin: 'mcp-race', createdAt: stale.startedAt, data: stale });
    // What a `qms up` that ran between status's read and its lock leaves: a new record and files.
    const successor = { ...stale, pid: 2 ** 22 + 1, startedAt: new Date().toISOString() }; // above pid_max: never signalled
    const real = base.state;
    const ctx = { ...base, state: { ...real, withLock: async <T>(n: string, fn: () => Promise<T>) => {
      await real.put({ id: 'mcp:race', kind: 'mcp-server', plugin: 'mcp-race', createdAt: successor.startedAt, data: { ...successor } });
      await writeFile(join(root, '.qms', 'mcp', 'race.pid'), `${successor.pid}\n`);
      await writeFile(join(root, '.qms', 'mcp', 'race.token'), 'successor-token\n', { mode: 0o600 });
      return real.withLock(n, fn);
    } } };
    await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
    expect(await mcpServer({ name: 'race', port: 1, command: 'x' }).status!(ctx)).toEqual([expect.objectContaining({ id: 'mcp:race', state: 'stale' })]);
    expect((await real.get('mcp:race'))?.data).toMatchObject({ pid: successor.pid, startedAt: successor.startedAt });
    expect(existsSync(join(root, '.qms', 'mcp', 'race.pid'))).toBe(true);
    expect(existsSync(join(root, '.qms', 'mcp', 'race.token'))).toBe(true);
    await real.remove('mcp:race');
    await rm(join(root, '.qms', 'mcp', 'race.pid'), { force: true });
    await rm(join(root, '.qms', 'mcp', 'race.token'), { force: true });
  });

  it('fails clearly when the port is held by another process, naming port and process', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const ctx = makeTaskContext(root);
    try {
      const err = await runTask(mcpServer({ name: 'taken', port, command: process.execPath, args: ['-e', 'setTimeout(()=>{},1e6)'], hosts: ['127.0.0.1'] }), 'mcp:taken', ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QmsError);
      expect((err as Error).message).toMatch(new RegExp(`^port ${port} is already in use by pid ${process.pid} \\(.*node.*\\)$`));
      expect((err as QmsError).hint).toMatch(/another port/);
      expect(await ctx.state.get('mcp:taken')).toBeUndefined();
      expect(existsSync(join(root, '.qms', 'mcp', 'taken.token'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('shows the tail of the log when the server exits during start', async () => {
    const ctx = makeTaskContext(root);
    const script = 'for (let i = 1; i <= 30; i++) console.log("line " + i); console.error("fatal: cannot open QMS database"); process.exit(1)';
    const err = await runTask(mcpServer({ name: 'crash', port: await freePort(), command: process.execPath, args: ['-e', script], hosts: ['127.0.0.1'] }), 'mcp:crash', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    const message = (err as Error).message;
    expect(message).toMatch(/^MCP server crash exited with code 1 during start; last lines of \.qms\/mcp\/crash\.log:/);
    expect(message).toContain('fatal: cannot open QMS database');
    expect(message).toContain('line 30');
    expect(message).not.toContain('line 5\n');
    expect(await ctx.state.get('mcp:crash')).toBeUndefined();
    expect(existsSync(join(root, '.qms', 'mcp', 'crash.pid'))).toBe(false);
  });

  it('does not take an HTTP server that is not an MCP server for ready, and stops it', async () => {
    const port = await freePort();
    const script = `require("http").createServer((q, s) => { s.writeHead(200, {"content-type": "text/plain"}); s.end("ok"); }).listen(${port}, "127.0.0.1", () => console.log("plain http up " + process.pid))`;
    const ctx = makeTaskContext(root);
    const err = await runTask(mcpServer({ name: 'http', port, command: process.execPath, args: ['-e', script], hosts: ['127.0.0.1'], readyTimeoutMs: 1500 }), 'mcp:http', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    expect((err as Error).message).toMatch(new RegExp(`no MCP answer from http://127.0.0.1:${port}/mcp within 1500 ms`));
    expect((err as Error).message).toContain('plain http up');
    expect(await ctx.state.get('mcp:http')).toBeUndefined();
    // the non-MCP server it started was stopped: its process is gone and its port free again (a
    // freed ephemeral port may be held a moment by another process's connection on a busy machine)
    const pid = Number(/plain http up (\d+)/.exec((err as Error).message)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    const listenOnce = () =>
      new Promise<void>((resolve, reject) => {
        const again = createServer();
        again.once('error', reject);
        again.listen(port, '127.0.0.1', () => again.close(() => resolve()));
      });
    for (let tries = 0; ; tries++) {
      try {
        await listenOnce();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  it('runs an external server command with {host}, {port}, {projectRoot} and {tokenFile} filled in', async () => {
    // shaped like qms-cli's `python -m qms_mcp --transport streamable-http --host {host} --port {port} --project-root {projectRoot}`
    const entry = join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js');
    const port = await freePort();
    const plugin = qmsMcp({ port, hosts: ['127.0.0.1'], command: process.execPath, args: [entry, 'qms-mcp', '--host', '{host}', '--port', '{port}', '--project-root', '{projectRoot}'], env: { QMS_TOKEN_FILE: '{tokenFile}' } });
    const ctx = makeTaskContext(root);
    const { value } = await runTask<McpEndpoint>(plugin, 'mcp:qms', ctx);
    const { data } = (await ctx.state.get('mcp:qms'))!;
    expect(data.args).toEqual([entry, 'qms-mcp', '--host', '127.0.0.1', '--port', String(port), '--project-root', root]);
    expect(await readFile(`/proc/${data.pid as number}/environ`, 'utf8')).toContain(`QMS_TOKEN_FILE=${join(root, '.qms', 'mcp', 'qms.token')}`);
    expect(await listTools(value!)).toContain('qms_read');
    await stopServer(ctx, 'qms');
  });

  it('names a missing command, and validates options eagerly', async () => {
    const ctx = makeTaskContext(root);
    const err = await runTask(mcpServer({ name: 'nocmd', port: await freePort(), command: 'qms-no-such-command-xyz', hosts: ['127.0.0.1'] }), 'mcp:nocmd', ctx).catch((e: unknown) => e);
    expect((err as Error).message).toBe('cannot start MCP server nocmd: command not found: qms-no-such-command-xyz');
    expect(() => mcpServer({ name: 'Bad Name', port: 1, command: 'x' })).toThrow(/option "name"/);
    expect(() => mcpServer({ name: 'bad', port: 70000, command: 'x' })).toThrow(/option "port" must be a TCP port/);
    expect(() => qmsMcp({ user: '../root' })).toThrow(/option "user"/);
  });

  it('stops a server it started when the run fails (teardown)', async () => {
    const ctx: TestContext = makeTaskContext(root);
    const port = await freePort();
    await runTask(qmsMcp({ port, hosts: ['127.0.0.1'], taskName: 'mcp:tear' }), 'mcp:tear', ctx);
    const pid = (await ctx.state.get('mcp:qms'))!.data.pid as number;
    expect(alive(pid)).toBe(true);
    await ctx.runTeardowns();
    expect(alive(pid)).toBe(false);
    expect(await ctx.state.get('mcp:qms')).toBeUndefined();
  });

  it('stops a built-in server whose record and files were deleted (.qms/ gone), found by its command line', async () => {
    const port = await freePort();
    const ctx = makeTaskContext(root);
    await runTask<McpEndpoint>(qmsMcp({ port, hosts: ['127.0.0.1'], taskName: 'mcp:qms' }), 'mcp:qms', ctx);
    const pid = (await ctx.state.get('mcp:qms'))!.data.pid as number;
    expect(alive(pid)).toBe(true);
    // what a `stash push -u -- .qms` or an rm would have done: no state, no pid or token file
    await ctx.state.remove('mcp:qms');
    await rm(join(root, '.qms'), { recursive: true, force: true });
    expect(await stopServer(makeTaskContext(root), 'qms', { graceMs: 2000 })).toBe('stopped');
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
    expect(await stopServer(makeTaskContext(root), 'qms')).toBe('not-running');
  });
});

/**
 * One server, several agents: the supervisor writes a 0600 token per agent (the default agent's
 * in `<name>.token`, others in `<name>@<agent>.token`), hands them to the server in env (never
 * argv), `loadEndpoint(ctx, name, agent)` returns each agent's, and each token acts as its own
 * agent — checked on the built-in QMS server with the SDK client. Stop removes every token file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { makeTaskContext } from '../../test/helpers/mcp-context.js';
import { ConfigError } from '../../tasks/errors.js';
import type { McpEndpoint } from './endpoint.js';
import { loadEndpoint, qmsMcp } from './index.js';
import { packageRoot } from './package-root.js';
import { stopServer } from './supervisor.js';
import { resolveLaunch } from './launch.js';
import { freePort } from '../../test/helpers/processes.js';

async function inboxUser(endpoint: McpEndpoint): Promise<string> {
  const client = new Client({ name: 'agents-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.hostUrl), { requestInit: { headers: { authorization: `Bearer ${endpoint.token}` } } }));
  try {
    const res = await client.callTool({ name: 'qms_inbox', arguments: {} });
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    return (JSON.parse(text) as { user: string }).user;
  } finally {
    await client.close();
  }
}

describe('mcp-server with several agents', () => {
  let root: string;
  beforeAll(async () => {
    expect(existsSync(join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js')), 'run `npm run build` first').toBe(true);
    root = await mkdtemp(join(tmpdir(), 'qms-agents-test-'));
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '# SOP-001\n');
  });
  afterAll(async () => {
    await stopServer(makeTaskContext(root), 'qms', { graceMs: 1000 }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('writes one token per agent, each acting as its agent, and removes them all on stop', async () => {
    const port = await freePort();
    const plugin = qmsMcp({ port, hosts: ['127.0.0.1'], agents: ['claude', 'qa'], backend: 'builtin' });
    const ctx = makeTaskContext(root);
    const endpoint = (await plugin.tasks[0]!.run(ctx)) as McpEndpoint;
    const dir = join(root, '.qms', 'mcp');
    expect((await readdir(dir)).filter((f) => f.endsWith('.token')).sort()).toEqual(['qms.token', 'qms@qa.token']);
    for (const f of ['qms.token', 'qms@qa.token']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);

    const other = makeTaskContext(root);
    const claude = await loadEndpoint(other, 'qms');
    const qa = await loadEndpoint(other, 'qms', 'qa');
    expect(claude).toEqual(endpoint);
    expect(await loadEndpoint(other, 'qms', 'claude')).toEqual(endpoint);
    expect(qa?.token).toBe((await readFile(join(dir, 'qms@qa.token'), 'utf8')).trim());
    expect(qa?.token).not.toBe(claude?.token);
    expect(await loadEndpoint(other, 'qms', 'lead')).toBeUndefined();
    expect(other.secrets).toEqual(expect.arrayContaining([claude!.token, qa!.token]));

    // Neither token is in the server's argv.
    const pid = Number(await readFile(join(dir, 'qms.pid'), 'utf8'));
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(claude!.token);
    expect(cmdline).not.toContain(qa!.token);

    expect(await inboxUser(claude!)).toBe('claude');
    expect(await inboxUser(qa!)).toBe('qa');

    expect(await stopServer(makeTaskContext(root), 'qms')).toBe('stopped');
    expect((await readdir(dir)).filter((f) => f.endsWith('.token'))).toEqual([]);
  });

  it('serves the config\'s whole roster when no agents are given, the roster\'s first (or `user`) as the default agent', async () => {
    const port = await freePort();
    const roster = ['claude', 'qa', 'tu_ui'];
    const ctx = makeTaskContext(root, { agents: roster });
    const endpoint = (await qmsMcp({ port, hosts: ['127.0.0.1'], backend: 'builtin' }).tasks[0]!.run(ctx)) as McpEndpoint;
    const dir = join(root, '.qms', 'mcp');
    expect((await readdir(dir)).filter((f) => f.endsWith('.token')).sort()).toEqual(['qms.token', 'qms@qa.token', 'qms@tu_ui.token']);
    expect(await inboxUser(endpoint)).toBe('claude');
    const other = makeTaskContext(root, { agents: roster });
    expect(await inboxUser((await loadEndpoint(other, 'qms', 'tu_ui'))!)).toBe('tu_ui');
    // The built-in server's default user is the filled-in `{agent}`.
    const cmdline = (await readFile(`/proc/${Number(await readFile(join(dir, 'qms.pid'), 'utf8'))}/cmdline`, 'utf8')).split('\0');
    expect(cmdline[cmdline.indexOf('--user') + 1]).toBe('claude');
    expect(await stopServer(makeTaskContext(root), 'qms')).toBe('stopped');

    expect(resolveLaunch(root, { name: 'x', port, command: 'x', args: ['--user', '{agent}'], defaultAgent: 'qa' }, roster)).toMatchObject({ agents: ['qa', 'claude', 'tu_ui'], args: ['--user', 'qa'] });
    expect(resolveLaunch(root, { name: 'x', port, command: 'x', agents: ['lead'] }, roster).agents).toEqual(['lead']);
  });

  it('checks the agents option', () => {
    expect(() => qmsMcp({ agents: [] })).toThrow(ConfigError);
    expect(() => qmsMcp({ agents: ['qa', 'qa'] })).toThrow(/distinct/);
    expect(() => qmsMcp({ agents: ['Bad Name'] })).toThrow(/agents/);
    expect(() => qmsMcp({ user: 'claude', agents: ['qa', 'claude'] })).toThrow(/first of "agents"/);
  });
});

/**
 * `qms serve qms-mcp` as a process (the compiled entry the supervisor runs): generated token
 * written 0600 and never printed, bearer enforced, graceful SIGTERM; and the stdio transport.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { packageRoot } from '../mcp-server/package-root.js';

const entry = join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js');

describe('qms serve qms-mcp', () => {
  let root: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    expect(existsSync(entry)).toBe(true); // built by `npm test` (npm run build first)
    root = await mkdtemp(join(tmpdir(), 'qms-serve-test-'));
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '---\ntitle: Document Control\n---\n');
  });

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('generates a token file when QMS_MCP_TOKEN is unset, enforces it, and stops on SIGTERM', async () => {
    const env = { ...process.env };
    delete env.QMS_MCP_TOKEN;
    await mkdir(join(root, '.qms', 'mcp'), { recursive: true });
    await writeFile(join(root, '.qms', 'mcp', 'qms.token'), 'supervised-token\n', { mode: 0o600 });
    child = spawn(process.execPath, [entry, 'qms-mcp', '--project-root', root, '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10_000);
      child!.stdout!.on('data', () => {
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const tokenFile = join(root, '.qms', 'mcp', 'qms.serve.token');
    expect(out).toContain(`generated one in ${tokenFile}`);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    // The token file of a server `qms up` supervises is not this one: it is never overwritten.
    expect(await readFile(join(root, '.qms', 'mcp', 'qms.token'), 'utf8')).toBe('supervised-token\n');

    const unauthorised = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(unauthorised.status).toBe(401);
    const client = new Client({ name: 'serve-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    expect((await client.listTools()).tools).toHaveLength(6);
    await client.close();

    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGTERM, shutting down');
    expect(out).not.toContain(token);
  });

  it('serves one client over stdio', async () => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry, 'qms-mcp', '--project-root', root, '--transport', 'stdio'], stderr: 'pipe' });
    await client.connect(transport);
    const res = await client.callTool({ name: 'qms_status', arguments: { doc_id: 'SOP-001' } });
    expect(JSON.parse((res.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ doc_id: 'SOP-001', title: 'Document Control' });
    await client.close();
  });

  it('refuses bad arguments with usage', async () => {
    const p = spawn(process.execPath, [entry, 'qms-mcp', '--project-root', root, '--transport', 'carrier-pigeon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    expect(code).toBe(1);
    expect(err).toContain('invalid --transport carrier-pigeon');
    expect(err).toContain('--transport http or --transport stdio');
  });
});

/**
 * probeMcp's requests, by what a server receives: the readiness probe is the handshake and a
 * tools/list, the reuse check (`initializeOnly`) an `initialize` alone; both end their session.
 * First against a recording server, then against our real QMS server started by its task.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTaskContext } from '../../test/helpers/mcp-context.js';
import { freePort } from '../../test/helpers/processes.js';
import type { McpEndpoint } from './endpoint.js';
import { qmsMcp } from './index.js';
import { probeMcp } from './readiness.js';
import { stopServer } from './supervisor.js';

let server: Server;
let url: string;
const seen: string[] = [];

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await body(req);
    const msg = text ? (JSON.parse(text) as { id?: number; method?: string }) : {};
    seen.push(req.method === 'POST' ? String(msg.method) : req.method!);
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (msg.id === undefined) return void res.writeHead(202).end();
    const result = msg.method === 'initialize' ? { serverInfo: { name: 'recorder' } } : { tools: [{ name: 't1' }] };
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

afterAll(() => new Promise((r) => server.close(r)));

describe('probeMcp', () => {
  it('readiness: initialize, initialized, tools/list, then the session is ended', async () => {
    seen.length = 0;
    expect(await probeMcp(url, 'tok')).toEqual({ serverName: 'recorder', tools: ['t1'] });
    expect(seen).toEqual(['initialize', 'notifications/initialized', 'tools/list', 'DELETE']);
  });

  it('reuse check (initializeOnly): initialize alone, then the session is ended', async () => {
    seen.length = 0;
    expect(await probeMcp(url, 'tok', 3000, { initializeOnly: true })).toEqual({ serverName: 'recorder', tools: [] });
    expect(seen).toEqual(['initialize', 'DELETE']);
  });

  it('our QMS server answers the reuse check, and refuses it with a wrong token', async () => {
    const root = await mkdtemp(join(tmpdir(), 'qms-readiness-'));
    await mkdir(join(root, 'QMS', 'CR'), { recursive: true });
    await writeFile(join(root, 'QMS', 'CR', 'CR-043.md'), '---\ntitle: Containers\n---\n# CR-043\n');
    const ctx = makeTaskContext(root);
    try {
      const endpoint = (await qmsMcp({ port: await freePort(), hosts: ['127.0.0.1'] }).tasks[0]!.run(ctx)) as McpEndpoint;
      expect((await probeMcp(endpoint.hostUrl, endpoint.token, 3000, { initializeOnly: true })).serverName).toBeTruthy();
      await expect(probeMcp(endpoint.hostUrl, 'not-the-token', 3000, { initializeOnly: true })).rejects.toThrow(/HTTP 401/);
    } finally {
      await stopServer(makeTaskContext(root), 'qms', { graceMs: 1000 }).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

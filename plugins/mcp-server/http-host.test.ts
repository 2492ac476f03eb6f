/** The shared HTTP host with a real SDK client: sessions, bearer token, Host/Origin checks, paths, port conflicts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { startHttpHost, type HttpHost } from './http-host.js';
import { QmsError } from '../../tasks/errors.js';

const TOKEN = 'test-token-0123456789abcdef';

function echoServer(): McpServer {
  const server = new McpServer({ name: 'echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const initBody = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'curl', version: '0' } },
});
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('startHttpHost', () => {
  let host: HttpHost;
  let url: string;
  beforeAll(async () => {
    host = await startHttpHost({ createServer: echoServer, port: 0, hosts: ['127.0.0.1'], tokens: new Map([[TOKEN, 'claude']]) });
    url = host.urls[0]!;
  });
  afterAll(async () => {
    await host.close();
  });

  it('serves MCP sessions to a client carrying the token', async () => {
    expect(url).toBe(`http://127.0.0.1:${host.port}/mcp`);
    const a = await connect(url, TOKEN);
    const b = await connect(url, TOKEN);
    const tools = await a.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
    const res = await b.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(res.content).toEqual([{ type: 'text', text: 'hi' }]);
    await a.close();
    await b.close();
  });

  it('refuses requests without the token or with a wrong one (401, WWW-Authenticate)', async () => {
    const none = await fetch(url, { method: 'POST', headers: mcpHeaders, body: initBody });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/Authorization: Bearer/);
    const wrong = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: 'Bearer nope' }, body: initBody });
    expect(wrong.status).toBe(401);
    const prefix = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN.slice(0, -1)}` }, body: initBody });
    expect(prefix.status).toBe(401);
    await expect(connect(url, 'wrong')).rejects.toThrow();
  });

  it('refuses a foreign Host header or Origin (403) even with the token', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN}`, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(initBody);
      });
    expect(await status({ host: 'evil.example:80' })).toBe(403);
    expect(await status({ host: `host.docker.internal:${host.port}`, origin: 'http://evil.example' })).toBe(403);
    expect(await status({ host: `localhost:${host.port}`, origin: `http://localhost:${host.port}` })).toBe(200);
    expect(await status({ host: `host.docker.internal:${host.port}` })).toBe(200);
  });

  it('answers 404 off /mcp, 404 for unknown sessions, 413 for huge bodies', async () => {
    const auth = { ...mcpHeaders, authorization: `Bearer ${TOKEN}` };
    expect((await fetch(url.replace('/mcp', '/other'), { headers: auth })).status).toBe(404);
    expect((await fetch(url, { method: 'POST', headers: { ...auth, 'mcp-session-id': 'nope' }, body: '{}' })).status).toBe(404);
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const res = await fetch(url, { method: 'POST', headers: auth, body: JSON.stringify({ huge }) }).catch(() => undefined);
    expect(res?.status).toBe(413);
  });

  it('speaks streamable HTTP as the spec asks: JSON answers, 202 for notifications, batches, GET 405, DELETE ends the session, bad headers refused', async () => {
    const auth = { ...mcpHeaders, authorization: `Bearer ${TOKEN}` };
    const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(url, { method: 'POST', headers: { ...auth, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    // Refused before any session exists: Accept without SSE, a non-JSON type, initialize in a batch.
    expect((await post(initBody, { accept: 'application/json' })).status).toBe(406);
    expect((await post(initBody, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(`[${initBody}]`)).status).toBe(400);
    expect((await fetch(url, { headers: auth })).status).toBe(405);

    const init = await post(initBody);
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('application/json');
    const session = init.headers.get('mcp-session-id')!;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await init.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('echo');
    const on = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' };

    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, on)).status).toBe(202);
    const call = (id: number, text: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
    const one = await post(call(2, 'one'), on);
    expect(await one.json()).toEqual({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'one' }] } });
    // A batch is answered in order; an unknown method gets its JSON-RPC error, not an HTTP one.
    const batch = await post([call(3, 'a'), { jsonrpc: '2.0', id: 4, method: 'no/such' }, call(5, 'b')], on);
    const answers = (await batch.json()) as Array<{ id: number; result?: { content: Array<{ text: string }> }; error?: { code: number } }>;
    expect(answers.map((a) => a.id)).toEqual([3, 4, 5]);
    expect(answers[0]!.result!.content[0]!.text).toBe('a');
    expect(answers[1]!.error!.code).toBe(-32601);
    expect(answers[2]!.result!.content[0]!.text).toBe('b');

    expect((await post({ jsonrpc: '2.0', id: 6 }, on)).status).toBe(400); // not a message
    expect((await post(call(7, 'x'), { ...on, 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
    expect((await post({ ...JSON.parse(initBody), id: 8 }, on)).status).toBe(400); // initialized already
    const sse = await fetch(url, { headers: { ...auth, ...on } });
    expect(sse.status).toBe(405);
    expect(sse.headers.get('allow')).toBe('POST, DELETE');

    expect((await fetch(url, { method: 'DELETE', headers: { ...auth, ...on } })).status).toBe(200);
    expect((await post(call(9, 'gone'), on)).status).toBe(404);
  });

  it('binds each session to the identity of the token that opened it; another token on that session is refused', async () => {
    const QA = 'qa-token-0123456789abcdef';
    const whoServer = (identity: string): McpServer => {
      const server = new McpServer({ name: 'who', version: '1.0.0' });
      server.registerTool('whoami', { description: 'who', inputSchema: {} }, () => ({ content: [{ type: 'text', text: identity }] }));
      return server;
    };
    const multi = await startHttpHost({ createServer: whoServer, port: 0, hosts: ['127.0.0.1'], tokens: new Map([[TOKEN, 'claude'], [QA, 'qa']]) });
    try {
      const u = multi.urls[0]!;
      const claude = await connect(u, TOKEN);
      const qa = await connect(u, QA);
      expect((await claude.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'claude' }]);
      expect((await qa.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'qa' }]);
      // qa's token on claude's session: refused (403), and no token: 401.
      const sid = (claude.transport as StreamableHTTPClientTransport).sessionId!;
      const call = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
      const session = { ...mcpHeaders, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' };
      const foreign = await fetch(u, { method: 'POST', headers: { ...session, authorization: `Bearer ${QA}` }, body: call });
      expect(foreign.status).toBe(403);
      expect(await foreign.text()).not.toContain('claude');
      expect((await fetch(u, { method: 'POST', headers: session, body: call })).status).toBe(401);
      expect((await fetch(u, { method: 'DELETE', headers: { ...session, authorization: `Bearer ${QA}` } })).status).toBe(403);
      // The session still works for its owner.
      expect((await claude.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'claude' }]);
      await claude.close();
      await qa.close();
    } finally {
      await multi.close();
    }
  });

  it('names the port and its holder when the port is taken', async () => {
    const blocker: NetServer = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startHttpHost({ createServer: echoServer, port, hosts: ['127.0.0.1'], tokens: new Map([[TOKEN, 'claude']]) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QmsError);
      expect((err as Error).message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use by pid ${process.pid} \\(`));
      expect((err as QmsError).hint).toMatch(/another port/);
    } finally {
      blocker.close();
    }
  });
});

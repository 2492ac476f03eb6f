/**
 * The HTTP host and its JSON transport as a hostile agent meets them, over raw HTTP on loopback
 * against a real McpServer: every POST is answered (nothing the server would drop is taken as a
 * request), a cancelled or abandoned request stops its tool and never answers a later POST with
 * the same id, sessions stay with their token, and header and body tricks are refused. Checked by
 * effect: which tool calls ran, were aborted, and which answer reached which POST.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { startHttpHost, type HttpHost } from './http-host.js';

const CLAUDE = 'claude-token-0123456789abcdef';
const QA = 'qa-token-0123456789abcdef';

/** What the tools saw: each call's text, in order, and those whose abort signal fired. */
const ran: string[] = [];
const aborted: string[] = [];
/** Held calls of `hold`, released by text. */
const held = new Map<string, () => void>();
let serversBuilt = 0;

function toolServer(identity: string): McpServer {
  serversBuilt++;
  const server = new McpServer({ name: 'attack', version: '1.0.0' });
  server.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, ({ text }) => {
    ran.push(text);
    return { content: [{ type: 'text', text: `${identity}:${text}` }] };
  });
  server.registerTool('hold', { description: 'answers when released', inputSchema: { text: z.string() } }, ({ text }, extra) => {
    ran.push(text);
    if (extra.signal.aborted) aborted.push(text); // cancelled before the handler ran (same batch)
    else extra.signal.addEventListener('abort', () => aborted.push(text));
    return new Promise((resolve) => held.set(text, () => resolve({ content: [{ type: 'text', text: `${identity}:${text}` }] })));
  });
  return server;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = (id: unknown = 1, params: unknown = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'attacker', version: '0' } }) => ({ jsonrpc: '2.0', id, method: 'initialize', params });
const call = (id: unknown, name: string, text: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text } } });
const cancel = (requestId: unknown) => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } });
const until = async (what: () => boolean): Promise<void> => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};

describe('the MCP HTTP host under attack', () => {
  let host: HttpHost;
  let port: number;

  beforeAll(async () => {
    host = await startHttpHost({ createServer: toolServer, port: 0, hosts: ['127.0.0.1'], tokens: new Map([[CLAUDE, 'claude'], [QA, 'qa']]) });
    port = host.port;
  });
  afterAll(async () => {
    for (const release of held.values()) release();
    await host.close();
  });
  afterEach(() => {
    for (const release of held.values()) release();
    held.clear();
  });

  /** One POST; `onRequest` gets the request (to abort it). Resolves with the answer, or undefined when the connection died. */
  function post(body: unknown, headers: Record<string, string> = {}, token = CLAUDE, onRequest?: (req: ReturnType<typeof request>) => void): Promise<Answer | undefined> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${token}`, ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', () => resolve(undefined));
      onRequest?.(req);
      req.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  }

  async function openSession(token = CLAUDE): Promise<Record<string, string>> {
    const init = await post(initialize(), {}, token);
    expect(init?.status).toBe(200);
    const sid = init!.headers['mcp-session-id'];
    expect(typeof sid).toBe('string');
    return { 'mcp-session-id': sid as string, 'mcp-protocol-version': '2025-06-18' };
  }

  /** Raw bytes on one connection; resolves with everything the server wrote until it closed or `done` says so. */
  function raw(write: (socket: Socket) => void, done: (text: string) => boolean = () => false): Promise<string> {
    return new Promise((resolve) => {
      let text = '';
      const socket = netConnect(port, '127.0.0.1', () => write(socket));
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        text += d;
        if (done(text)) socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
  }

  it('refuses up front (400) the messages the SDK server would drop unanswered, so no POST hangs and no tool runs', async () => {
    const on = await openSession();
    const before = ran.length;
    const strays: unknown[] = [
      call(1.5, 'echo', 'float id'),
      { ...call(2, 'echo', 'extra key'), extra: true },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'bad meta' }, _meta: { progressToken: {} } } },
      call(null, 'echo', 'null id'),
      call({ an: 'object' }, 'echo', 'object id'),
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: [] },
      { jsonrpc: '1.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'old' } } },
      [call(6, 'echo', 'good'), call(7.25, 'echo', 'float in batch')],
    ];
    for (const stray of strays) {
      const answer = await post(stray, on);
      expect(answer?.status, JSON.stringify(stray)).toBe(400);
      expect(JSON.parse(answer!.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    }
    expect(ran.slice(before)).toEqual([]);
    // Before any session: a malformed initialize opens none.
    const built = serversBuilt;
    for (const bad of [initialize(1.5), { ...initialize(), extra: 1 }, initialize(1, { protocolVersion: 7 })]) {
      const answer = await post(bad);
      expect(answer?.status).toBe(400);
      expect(answer?.headers['mcp-session-id']).toBeUndefined();
    }
    expect(serversBuilt).toBe(built);
    // Large integer, long string and duplicate-looking ids are ids like any other.
    const odd = await post([call(Number.MAX_SAFE_INTEGER, 'echo', 'big'), call('x'.repeat(10_000), 'echo', 'long'), call('7', 'echo', 'string seven'), call(7, 'echo', 'number seven')], on);
    expect(JSON.parse(odd!.body).map((a: { id: unknown; result: { content: Array<{ text: string }> } }) => [a.id === Number.MAX_SAFE_INTEGER ? 'max' : String(a.id).slice(0, 3), a.result.content[0]!.text])).toEqual([
      ['max', 'claude:big'], ['xxx', 'claude:long'], ['7', 'claude:string seven'], ['7', 'claude:number seven'],
    ]);
  });

  it('answers the POST of a cancelled request (in the same batch or from another POST) and stops its tool', async () => {
    const on = await openSession();
    const sameBatch = await post([call(10, 'hold', 'cancelled in batch'), cancel(10)], on);
    expect(sameBatch?.status).toBe(200);
    expect(JSON.parse(sameBatch!.body)).toMatchObject([{ id: 10, error: { message: 'the request was cancelled' } }]);
    await until(() => aborted.includes('cancelled in batch'));

    const pending = post(call(11, 'hold', 'cancelled later'), on);
    await until(() => held.has('cancelled later'));
    expect((await post(cancel(11), on))?.status).toBe(202);
    expect(JSON.parse((await pending)!.body)).toMatchObject({ id: 11, error: { message: 'the request was cancelled' } });
    await until(() => aborted.includes('cancelled later'));
    // The id is free again, and answered by its own call.
    held.get('cancelled later')!();
    expect(JSON.parse((await post(call(11, 'echo', 'after cancel'), on))!.body)).toMatchObject({ id: 11, result: { content: [{ text: 'claude:after cancel' }] } });
    // Another session's cancellation reaches nothing of this one.
    const other = await openSession();
    const mine = post(call(12, 'hold', 'not theirs'), on);
    await until(() => held.has('not theirs'));
    expect((await post(cancel(12), other))?.status).toBe(202);
    held.get('not theirs')!();
    expect(JSON.parse((await mine)!.body)).toMatchObject({ id: 12, result: { content: [{ text: 'claude:not theirs' }] } });
    expect(aborted).not.toContain('not theirs');
  });

  it('cancels a request whose client hung up; a later POST with its id gets its own answer, never the old one', async () => {
    const on = await openSession();
    let first: ReturnType<typeof request> | undefined;
    const gone = post(call(20, 'hold', 'abandoned'), on, CLAUDE, (req) => (first = req));
    await until(() => held.has('abandoned'));
    first!.destroy();
    expect(await gone).toBeUndefined();
    await until(() => aborted.includes('abandoned'));

    const again = post(call(20, 'hold', 'reused'), on);
    await until(() => held.has('reused'));
    held.get('abandoned')!(); // the old call finishes first: its answer must go nowhere
    held.get('reused')!();
    expect(JSON.parse((await again)!.body)).toEqual({ jsonrpc: '2.0', id: 20, result: { content: [{ type: 'text', text: 'claude:reused' }] } });
  });

  it('cancels the requests of a client that hung up right after sending its body', async () => {
    const on = await openSession();
    const body = JSON.stringify(call(21, 'hold', 'sent and gone'));
    await raw((socket) => {
      socket.end(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CLAUDE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nmcp-session-id: ${on['mcp-session-id']}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.destroy();
    });
    await until(() => aborted.includes('sent and gone'));
  });

  it('answers each of two concurrent POSTs with the same id only with its own call: the second is refused, the tool runs once', async () => {
    const on = await openSession();
    const a = post(call(30, 'hold', 'first of two'), on);
    await until(() => held.has('first of two'));
    const b = await post(call(30, 'echo', 'second of two'), on);
    expect(JSON.parse(b!.body)).toMatchObject({ id: 30, error: { code: -32600, message: 'Invalid Request: id 30 is already in use' } });
    // Duplicates inside one batch: the first runs, the second is refused.
    const dup = JSON.parse((await post([call(31, 'echo', 'dup one'), call(31, 'echo', 'dup two')], on))!.body);
    expect(dup).toMatchObject([{ id: 31, result: { content: [{ text: 'claude:dup one' }] } }, { id: 31, error: { code: -32600 } }]);
    held.get('first of two')!();
    expect(JSON.parse((await a)!.body)).toMatchObject({ id: 30, result: { content: [{ text: 'claude:first of two' }] } });
    expect(ran.filter((t) => t.includes('of two') || t.startsWith('dup'))).toEqual(['first of two', 'dup one']);
  });

  it('keeps sessions with their token: another token, a deleted id, a second initialize and duplicated headers reach no session', async () => {
    const mine = await openSession(CLAUDE);
    const before = ran.length;
    expect((await post(call(40, 'echo', 'as qa on claude'), mine, QA))?.status).toBe(403);
    expect((await post(initialize(41), mine))?.status).toBe(400);
    expect((await post([initialize(42), call(43, 'echo', 'batched with init')], mine))?.status).toBe(400);
    expect((await post([initialize(44)]))?.status).toBe(400);
    expect((await post([call(45, 'echo', 'no session')]))?.status).toBe(400);
    // The same header twice: node joins the values, which name no session.
    const twice = await raw((socket) => {
      const body = JSON.stringify(call(46, 'echo', 'header twice'));
      socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CLAUDE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nmcp-session-id: ${mine['mcp-session-id']}\r\nmcp-session-id: ${mine['mcp-session-id']}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    expect(twice).toMatch(/^HTTP\/1\.1 404 /);
    const versions = await post(call(47, 'echo', 'two versions'), { ...mine, 'mcp-protocol-version': '2025-06-18, 2025-03-26' });
    expect(versions?.status).toBe(400);
    // A second Authorization header (QA's) is not the one node keeps: claude's session stays claude's.
    const auths = await raw((socket) => {
      const body = JSON.stringify(call(48, 'echo', 'two tokens'));
      socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${QA}\r\nAuthorization: Bearer ${CLAUDE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nmcp-session-id: ${mine['mcp-session-id']}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    expect(auths).toMatch(/^HTTP\/1\.1 403 /);
    expect(ran.slice(before)).toEqual([]);

    expect((await post(call(49, 'echo', 'still mine'), mine))?.status).toBe(200);
    const del = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/mcp', method: 'DELETE', headers: { authorization: `Bearer ${CLAUDE}`, ...mine } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(del).toBe(200);
    expect((await post(call(50, 'echo', 'after delete'), mine))?.status).toBe(404);
    expect(ran.slice(before)).toEqual(['still mine']);
  });

  it('lets a token flooding sessions push out only its own oldest ones, answering what was pending there', async () => {
    const claude = await openSession(CLAUDE);
    const firstQa = await openSession(QA);
    const pending = post(call(55, 'hold', 'evicted under'), firstQa, QA);
    await until(() => held.has('evicted under'));
    for (let i = 0; i < 16; i++) await openSession(QA); // a 17th session: QA's least recently used goes
    expect(JSON.parse((await pending)!.body)).toMatchObject({ id: 55, error: { message: 'the MCP session was closed' } });
    await until(() => aborted.includes('evicted under'));
    expect((await post(call(56, 'echo', 'evicted'), firstQa, QA))?.status).toBe(404);
    expect(JSON.parse((await post(call(57, 'echo', 'claude stays'), claude))!.body)).toMatchObject({ id: 57, result: { content: [{ text: 'claude:claude stays' }] } });
  });

  it('answers a request pending when its session is deleted, and a client sending responses gets 202 and a working session', async () => {
    const on = await openSession();
    const pending = post(call(60, 'hold', 'deleted under'), on);
    await until(() => held.has('deleted under'));
    await new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/mcp', method: 'DELETE', headers: { authorization: `Bearer ${CLAUDE}`, ...on } }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).end();
    });
    expect(JSON.parse((await pending)!.body)).toMatchObject({ id: 60, error: { message: 'the MCP session was closed' } });
    await until(() => aborted.includes('deleted under'));

    const next = await openSession();
    expect((await post({ jsonrpc: '2.0', id: 61, result: {} }, next))?.status).toBe(202);
    expect((await post({ jsonrpc: '2.0', id: 62, error: { code: 1, message: 'x' } }, next))?.status).toBe(202);
    expect(JSON.parse((await post(call(63, 'echo', 'after responses'), next))!.body)).toMatchObject({ id: 63, result: { content: [{ text: 'claude:after responses' }] } });
  });

  it('answers pipelined requests on one keep-alive connection in order, each with its own call', async () => {
    const on = await openSession();
    const head = (body: string) => `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CLAUDE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nmcp-session-id: ${on['mcp-session-id']}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const slow = JSON.stringify(call(70, 'hold', 'pipelined slow'));
    const fast = JSON.stringify(call(71, 'echo', 'pipelined fast'));
    const sameId = JSON.stringify(call(70, 'echo', 'pipelined same id'));
    const text = await raw((socket) => {
      socket.write(head(slow) + head(fast) + head(sameId));
      void until(() => held.has('pipelined slow')).then(() => held.get('pipelined slow')!());
    }, (t) => (t.match(/HTTP\/1\.1 /g) ?? []).length === 3 && t.trimEnd().endsWith('}'));
    const bodies = text.split(/HTTP\/1\.1 /).slice(1).map((r) => JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)) as { id: number; result?: { content: Array<{ text: string }> }; error?: { code: number } });
    expect(bodies.map((b) => [b.id, b.result?.content[0]?.text ?? b.error?.code])).toEqual([[70, 'claude:pipelined slow'], [71, 'claude:pipelined fast'], [70, -32600]]);
  });

  it('refuses a chunked body over the cap without reading it all, and stays up', async () => {
    const on = await openSession();
    const before = ran.length;
    let written = 0;
    const text = await raw((socket) => {
      socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CLAUDE}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nmcp-session-id: ${on['mcp-session-id']}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const more = (): void => {
        while (written < 64 && !socket.destroyed) {
          written++;
          if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`)) {
            socket.once('drain', more);
            return;
          }
        }
      };
      socket.on('error', () => undefined);
      more();
    });
    expect(text === '' || /^HTTP\/1\.1 413 /.test(text)).toBe(true);
    expect(written).toBeLessThan(64);
    expect(ran.slice(before)).toEqual([]);
    expect(JSON.parse((await post(call(80, 'echo', 'after chunked'), on))!.body)).toMatchObject({ id: 80, result: { content: [{ text: 'claude:after chunked' }] } });
  });

  it('still serves the real SDK client end to end', async () => {
    const client = new Client({ name: 'sdk', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { authorization: `Bearer ${QA}` } } }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'hold']);
    expect((await client.callTool({ name: 'echo', arguments: { text: 'sdk' } })).content).toEqual([{ type: 'text', text: 'qa:sdk' }]);
    // A call the client gives up on (its abort signal): it sends notifications/cancelled; the tool stops.
    const abort = new AbortController();
    const gaveUp = client.callTool({ name: 'hold', arguments: { text: 'sdk gave up' } }, undefined, { signal: abort.signal });
    await until(() => held.has('sdk gave up'));
    abort.abort();
    await expect(gaveUp).rejects.toThrow();
    await until(() => aborted.includes('sdk gave up'));
    expect((await client.callTool({ name: 'echo', arguments: { text: 'sdk again' } })).content).toEqual([{ type: 'text', text: 'qa:sdk again' }]);
    await client.close();
  });
});

describe('an agent holding bytes in the host', () => {
  const MAX_BODY = 1024 * 1024; // a token's allowance: four of these
  const bigHeld: Array<() => void> = [];
  let host: HttpHost;
  let port: number;
  beforeAll(async () => {
    const bigServer = (identity: string): McpServer => {
      const server = new McpServer({ name: 'big', version: '1.0.0' });
      server.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text: `${identity}:${text}` }] }));
      server.registerTool('big', { description: 'a large answer', inputSchema: {} }, () => ({ content: [{ type: 'text', text: 'y'.repeat(8 * MAX_BODY) }] }));
      server.registerTool('big-held', { description: 'a large answer, when released', inputSchema: {} }, () =>
        new Promise((resolve) => bigHeld.push(() => resolve({ content: [{ type: 'text', text: 'y'.repeat(8 * MAX_BODY) }] }))));
      return server;
    };
    host = await startHttpHost({ createServer: bigServer, port: 0, hosts: ['127.0.0.1'], tokens: new Map([[CLAUDE, 'claude'], [QA, 'qa']]), maxBodyBytes: MAX_BODY });
    port = host.port;
  });
  afterAll(async () => {
    await host.close();
  });

  const head = (token: string, length: number, session?: string): string =>
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${session ? `mcp-session-id: ${session}\r\n` : ''}Content-Length: ${length}\r\n\r\n`;

  async function postStatus(token: string, body: unknown, session?: string): Promise<{ status: number; session?: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${token}`, ...(session ? { 'mcp-session-id': session } : {}) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, session: res.headers['mcp-session-id'] as string | undefined }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }
  const sessionOf = async (token: string): Promise<string> => (await postStatus(token, initialize())).session!;
  const statusUntil = async (token: string, session: string, want: number): Promise<void> => {
    for (;;) {
      if ((await postStatus(token, call(1, 'echo', 'probe'), session)).status === want) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('cuts off the bodies an agent stalls beyond its allowance; other agents are served, and it is again once they end', async () => {
    const claude = await sessionOf(CLAUDE);
    const qa = await sessionOf(QA);
    const stalled: Socket[] = [];
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const socket = netConnect(port, '127.0.0.1', () => {
        socket.write(head(CLAUDE, MAX_BODY, claude));
        socket.write(Buffer.alloc(MAX_BODY - 1, 0x20)); // all but the last byte
      });
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => answers.push(d));
      socket.on('error', () => undefined);
      stalled.push(socket);
    }
    // Four bodies' worth is held; the rest are answered 429 at once (their bytes read and dropped).
    await until(() => answers.length >= 4);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(Array(4).fill('HTTP/1.1 429 Too Many Requests'));
    expect(answers[0]).toMatch(/Too many bytes in flight for this token/);
    await statusUntil(CLAUDE, claude, 429);
    expect((await postStatus(QA, call(2, 'echo', 'qa'), qa)).status).toBe(200);
    for (const socket of stalled) socket.destroy();
    await statusUntil(CLAUDE, claude, 200);
  });

  it('refuses an agent that does not read its answers once they pass its allowance, until it does', async () => {
    const claude = await sessionOf(CLAUDE);
    const qa = await sessionOf(QA);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'big', arguments: {} } });
    const unread = netConnect(port, '127.0.0.1', () => unread.write(head(CLAUDE, Buffer.byteLength(body), claude) + body));
    unread.pause(); // never reads: the answer waits in the host
    unread.on('error', () => undefined);
    await statusUntil(CLAUDE, claude, 429);
    expect((await postStatus(QA, call(6, 'echo', 'qa'), qa)).status).toBe(200);
    unread.destroy();
    await statusUntil(CLAUDE, claude, 200);
  });

  it('withholds the large answers of calls admitted together once one of them waits unread', async () => {
    const claude = await sessionOf(CLAUDE);
    const firstLines: string[] = [];
    const sockets = Array.from({ length: 6 }, (_, i) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 100 + i, method: 'tools/call', params: { name: 'big-held', arguments: {} } });
      const socket = netConnect(port, '127.0.0.1', () => socket.write(head(CLAUDE, Buffer.byteLength(body), claude) + body));
      socket.setEncoding('utf8');
      let seen = '';
      socket.on('data', (d: string) => {
        if (seen.includes('\r\n')) return;
        seen += d;
        if (seen.includes('\r\n')) {
          firstLines.push(seen.split('\r\n')[0]!);
          socket.pause(); // reads no further: an answer it started on waits in the host
        }
      });
      socket.on('error', () => undefined);
      return socket;
    });
    await until(() => bigHeld.length === 6); // all six admitted and running
    for (const release of bigHeld.splice(0)) release();
    await until(() => firstLines.length === 6);
    // One 8 MiB answer goes out; the others are refused, each a small 429 instead of 8 MiB held.
    expect(firstLines.filter((l) => l === 'HTTP/1.1 200 OK')).toHaveLength(1);
    expect(firstLines.filter((l) => l === 'HTTP/1.1 429 Too Many Requests')).toHaveLength(5);
    for (const socket of sockets) socket.destroy();
    await statusUntil(CLAUDE, claude, 200);
  });
});

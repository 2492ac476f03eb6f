/**
 * The bash MCP client against a real stateful MCP server (the SDK's streamable HTTP transport
 * with session ids, a bearer token) on loopback, run by the host's sh and bash through the probe
 * batch, as in the container: every step answers in order with its own status and body, the
 * session id from `initialize` is used, the session is ended, an `sh` step sits between
 * requests, the whole session is one connection and starts no other program. Against a raw
 * HTTP server: chunked answers, a server closing the connection, an answer cut short, and each
 * request arriving in one piece. Several checks of one server share one session and one script
 * (SharedMcpSession).
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpcResponse, toolText } from '../mcp-server/jsonrpc-body.js';
import { hostSh } from '../../test/helpers/host-sh.js';
import { ExecBatch } from './exec-batch.js';
import { ENV_TOKEN, ENV_URL, initializeSteps, type McpStep, mcpScript, parseMcpOutput, toolCall } from './mcp-script.js';
import { SharedMcpSession } from './mcp-session.js';
import { runMcpScript } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

const TOKEN = `tok-${randomUUID()}`;
let http: Server;
let url: string;
let dir: string;
const closed: string[] = [];
const opened: string[] = [];
let connections = 0;

async function handle(req: IncomingMessage, res: ServerResponse, sessions: Map<string, { handleRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void> }>): Promise<void> {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const sid = req.headers['mcp-session-id'];
  const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
  if (known) return known.handleRequest(req, res);
  const server = new McpServer({ name: 'script-test', version: '1.0.0' });
  const { z } = await import('zod');
  server.tool('echo', 'Echoes', { text: z.string() }, async ({ text }) => ({ content: [{ type: 'text' as const, text: `echo ${text}` }] }));
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (id) => {
      opened.push(id);
      sessions.set(id, transport);
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) closed.push(transport.sessionId);
  };
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

beforeAll(async () => {
  const sessions = new Map();
  http = createServer((req, res) => void handle(req, res, sessions).catch(() => res.writeHead(500).end()));
  http.on('connection', () => connections++);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  // Programs a client might start, first on PATH, each logging its start.
  dir = mkdtempSync(join(tmpdir(), 'qms-mcp-script-'));
  for (const tool of ['curl', 'cat', 'head', 'wc', 'mktemp', 'rm']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho ${tool} >> ${dir}/starts.log\nexec /usr/bin/${tool} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  rmSync(dir, { recursive: true, force: true });
});

// `dir` (the programs that log their starts, first on PATH) is made in beforeAll.
const sh = (script: string, stdin: string) => hostSh(`${dir}:/usr/bin:/bin`)(script, stdin);

describe('mcp script', () => {
  it('answers every step in order over one session and one connection, ends it, and starts no program but head for a long answer', async () => {
    const steps = [
      ...initializeSteps(1),
      { kind: 'rpc' as const, name: 'tools/list', body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } },
      toolCall(3, 'echo', { text: "it's \"quoted\" \\ $HOME" }),
      { kind: 'sh' as const, name: 'edit', script: 'printf "edited %s" "$((1 + 1))"' },
      toolCall(4, 'echo', { text: 'after' }),
      toolCall(5, 'missing', {}),
    ];
    const script = mcpScript(steps);
    expect(script).not.toContain(TOKEN);
    const before = connections;
    // Run as the batch runs it (vars from stdin), but alone: the batch's own tail starts programs.
    const out = await sh(`IFS= read -r ${ENV_URL}; IFS= read -r ${ENV_TOKEN}\n${script}`, `${url}\n${TOKEN}\n`);
    const { steps: got, noClient } = parseMcpOutput(out.stdout, steps);
    expect(noClient).toBe(false);
    expect(got.map((s) => [s.name, s.exit, s.status])).toEqual([
      ['initialize', 0, 200],
      ['notifications/initialized', 0, 202],
      ['tools/list', 0, 200],
      ['tools/call echo', 0, 200],
      ['edit', 0, undefined],
      ['tools/call echo', 0, 200],
      ['tools/call missing', 0, 200],
    ]);
    const sid = jsonRpcResponse(got[0]!.body, 1)?.result?.serverInfo;
    expect(sid).toMatchObject({ name: 'script-test' });
    expect((jsonRpcResponse(got[2]!.body, 2)?.result?.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['echo']);
    expect(toolText(jsonRpcResponse(got[3]!.body, 3))).toBe('echo it\'s "quoted" \\ $HOME');
    expect(got[4]!.body).toBe('edited 2');
    expect(toolText(jsonRpcResponse(got[5]!.body, 4))).toBe('echo after');
    expect(jsonRpcResponse(got[6]!.body, 5)?.result?.isError).toBe(true);
    expect(closed).toHaveLength(1); // the session was DELETEd
    expect(connections - before).toBe(1);
    // No curl, no process per request: only head, for the one answer too long to read a byte at a time (tools/list).
    expect(readFileSync(join(dir, 'starts.log'), { encoding: 'utf8', flag: 'a+' })).toBe(got[2]!.body.length > 512 ? 'head\n' : '');
  });

  it('reports a server that is not there per step, with curl\'s exit code', async () => {
    const batch = new ExecBatch((script, stdin) => sh(script, stdin));
    const sent = [...initializeSteps(1), toolCall(2, 'echo', { text: 'x' })];
    const out = await batch.exec({ script: mcpScript(sent), vars: { [ENV_URL]: 'http://127.0.0.1:1/mcp', [ENV_TOKEN]: TOKEN }, timeoutMs: 30_000 });
    const { steps } = parseMcpOutput(out.stdout, sent);
    expect(steps.map((s) => [s.name, s.exit])).toEqual([
      ['initialize', 7],
      ['notifications/initialized', 7],
      ['tools/call echo', 7],
    ]);
    expect(steps[2]!.stderr).toMatch(/connect/i);
  });
});

interface RawRequest {
  head: string;
  body: string;
  /** The socket's 'data' events it took to arrive whole (1: it was sent in one piece). */
  pieces: number;
  connection: number;
}

/**
 * A raw HTTP/1.1 server on loopback: `answer(request, n)` gives the n-th request's answer as the
 * separate writes to make, and whether to close the connection after them.
 */
async function rawServer(answer: (r: RawRequest, n: number) => { writes: string[]; close?: boolean }): Promise<{ url: string; requests: RawRequest[]; close: () => Promise<void> }> {
  const requests: RawRequest[] = [];
  let conns = 0;
  const server = createTcpServer((socket: Socket) => {
    const connection = ++conns;
    let buf = Buffer.alloc(0);
    let pieces = 0;
    socket.on('data', async (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      pieces++;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const r = { head, body: buf.subarray(end + 4, end + 4 + length).toString('utf8'), pieces, connection };
        buf = buf.subarray(end + 4 + length);
        pieces = 0;
        requests.push(r);
        const a = answer(r, requests.length);
        for (const w of a.writes) {
          socket.write(w);
          await new Promise((t) => setTimeout(t, 5));
        }
        if (a.close) socket.end();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const sse = (id: number, result: unknown): string => `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`;
const chunked = (text: string): string[] => {
  const third = Math.ceil(text.length / 3);
  const parts = [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter(Boolean);
  return [...parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`), '0\r\n\r\n'];
};
const runAlone = (script: string, target: string) => sh(`IFS= read -r ${ENV_URL}; IFS= read -r ${ENV_TOKEN}\n${script}`, `${target}\n${TOKEN}\n`);

describe('mcp script against a raw HTTP server', () => {
  it('reads chunked answers, follows a server that closes the connection, and sends each request in one piece', async () => {
    const init = sse(1, { serverInfo: { name: 'raw', version: '1' } });
    const list = sse(2, { tools: [{ name: 'ünïcode', description: 'long '.repeat(400) }] }); // chunks over 512 bytes: read by head
    const srv = await rawServer((r, n) => {
      if (n === 1) return { writes: [`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nMcp-Session-Id: s-1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, ...chunked(init)], close: true };
      if (n === 2) return { writes: ['HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n'] };
      if (n === 3) return { writes: [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n`, ...chunked(list)] };
      return { writes: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'] };
    });
    try {
      const steps = [...initializeSteps(1), { kind: 'rpc' as const, name: 'tools/list', body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } }];
      const out = await runAlone(mcpScript(steps), srv.url);
      const { steps: got } = parseMcpOutput(out.stdout, steps);
      expect(got.map((s) => [s.exit, s.status])).toEqual([[0, 200], [0, 202], [0, 200]]);
      expect(got[0]!.body).toBe(init);
      expect(got[2]!.body).toBe(list);
      // The session id from the first answer, a new connection after the server closed the first.
      expect(srv.requests.map((r) => [r.head.split('\r\n')[0], /mcp-session-id: (\S+)/i.exec(r.head)?.[1], r.connection])).toEqual([
        ['POST /mcp HTTP/1.1', undefined, 1],
        ['POST /mcp HTTP/1.1', 's-1', 2],
        ['POST /mcp HTTP/1.1', 's-1', 2],
        ['DELETE /mcp HTTP/1.1', 's-1', 2],
      ]);
      expect(srv.requests.every((r) => r.head.includes(`Authorization: Bearer ${TOKEN}`))).toBe(true);
      expect(srv.requests.map((r) => r.pieces)).toEqual([1, 1, 1, 1]);
      expect(JSON.parse(srv.requests[0]!.body)).toMatchObject({ method: 'initialize' });
    } finally {
      await srv.close();
    }
  });

  it.each([100, 2000])('says when an answer (of %i bytes: read by bash / by head) was cut short, and starts over on a new connection', async (promised) => {
    const srv = await rawServer((_r, n) =>
      n === 1
        ? { writes: [`HTTP/1.1 200 OK\r\nMcp-Session-Id: s-2\r\nContent-Length: ${promised}\r\n\r\n`, 'only ten b'], close: true }
        : { writes: ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n', 'done'] },
    );
    try {
      const steps = [initializeSteps(1)[0]!, toolCall(2, 'echo', { text: 'x' })];
      const { steps: got } = parseMcpOutput((await runAlone(mcpScript(steps), srv.url)).stdout, steps);
      expect(got.map((s) => [s.exit, s.status, s.body])).toEqual([
        [18, 200, 'only ten b'],
        [0, 200, 'done'],
      ]);
      expect(got[0]!.stderr).toBe(`the answer ended after 10 of ${promised} bytes`);
      expect(srv.requests.map((r) => r.connection)).toEqual([1, 2, 2]);
    } finally {
      await srv.close();
    }
  });
});

/** A batch (recording its scripts, which follow their values on stdin) and a target whose server `srv` has a shared session. */
function sharedSession() {
  const runs: string[] = [];
  const batch = new ExecBatch((script, stdin) => {
    runs.push(stdin);
    return sh(script, stdin);
  });
  const endpoint = { name: 'srv', port: 0, hostUrl: url, containerUrl: url, token: TOKEN };
  const sessions = new Map<string, SharedMcpSession>();
  const target = { probe: (p, waiters) => batch.exec(p, waiters), sessions } as Pick<VerifyTarget, 'probe' | 'sessions'> as VerifyTarget;
  const session = new SharedMcpSession(target, endpoint);
  sessions.set('srv', session);
  return { runs, batch, endpoint, target, session };
}

describe('shared MCP session', () => {
  it("runs the checks of one server as one script in one session, each answered under its own ids; a later request runs alone", async () => {
    const { runs, batch, endpoint, target, session } = sharedSession();
    const before = opened.length;
    const echo = (body: string | undefined, id: number) => toolText(jsonRpcResponse(body ?? '', id));
    const [a, b, none] = await Promise.all([
      batch.join(() => session.join(() => runMcpScript(target, endpoint, [...initializeSteps(1), toolCall(2, 'echo', { text: 'a' })]))),
      batch.join(() =>
        session.join(async () => {
          await new Promise((r) => setTimeout(r, 50)); // busy on the host first
          return runMcpScript(target, endpoint, [...initializeSteps(1), toolCall(2, 'echo', { text: 'b' }), { kind: 'sh', name: 'edit', script: 'printf x' }, toolCall(3, 'echo', { text: 'b2' })]);
        }),
      ),
      batch.join(() => session.join(async () => 'asked nothing')),
    ]);
    expect(none).toBe('asked nothing');
    expect(runs).toHaveLength(1);
    expect(opened.length - before).toBe(1);
    expect(a.steps.map((s) => [s.name, s.status])).toEqual([['initialize', 200], ['notifications/initialized', 202], ['tools/call echo', 200]]);
    expect(jsonRpcResponse(a.steps[0]!.body, 1)?.result?.serverInfo).toMatchObject({ name: 'script-test' });
    expect(echo(a.steps[2]?.body, 2)).toBe('echo a');
    expect(b.steps.map((s) => s.name)).toEqual(['initialize', 'notifications/initialized', 'tools/call echo', 'edit', 'tools/call echo']);
    expect(echo(b.steps[2]?.body, 2)).toBe('echo b');
    expect(b.steps[3]?.body).toBe('x');
    expect(echo(b.steps[4]?.body, 3)).toBe('echo b2');
    // The ids the server saw were the session's own: one per request, never reused.
    expect(runs[0]!.match(/"id":\d+/g)).toEqual(['"id":1', '"id":2', '"id":3', '"id":4']);

    const later = await runMcpScript(target, endpoint, [...initializeSteps(1), toolCall(2, 'echo', { text: 'c' })]);
    expect(echo(later.steps[2]?.body, 2)).toBe('echo c');
    expect(opened.length - before).toBe(2);
  });

  it('sends a tools/list asked by several checks once, and answers each under its own id', async () => {
    const { runs, batch, endpoint, target, session } = sharedSession();
    const list = (id: number): McpStep => ({ kind: 'rpc', name: 'tools/list', body: { jsonrpc: '2.0', id, method: 'tools/list' } });
    const [a, b] = await Promise.all([
      batch.join(() => session.join(() => runMcpScript(target, endpoint, [...initializeSteps(1), list(2)]))),
      batch.join(() => session.join(() => runMcpScript(target, endpoint, [...initializeSteps(1), toolCall(2, 'echo', { text: 'b' }), list(3)]))),
    ]);
    expect(runs[0]!.match(/tools\/list/g)).toHaveLength(1);
    const names = (body: string | undefined, id: number) => (jsonRpcResponse(body ?? '', id)?.result?.tools as Array<{ name: string }> | undefined)?.map((t) => t.name);
    expect(names(a.steps[2]?.body, 2)).toEqual(['echo']);
    expect(names(b.steps[3]?.body, 3)).toEqual(['echo']);
    expect(toolText(jsonRpcResponse(b.steps[2]?.body ?? '', 2))).toBe('echo b');
  });
});

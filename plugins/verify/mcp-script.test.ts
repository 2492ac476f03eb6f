/**
 * The sh + curl MCP client against a real stateful MCP server (the SDK's streamable HTTP
 * transport with session ids, a bearer token) on loopback, run by the host's /bin/sh and curl
 * through the probe batch, as in the container: every step answers in order with its own
 * status and body, the session id from `initialize` is used, the session is ended, an `sh`
 * step sits between requests, and the requests after `initialize` share one curl per run.
 * Several checks of one server share one session and one script (SharedMcpSession).
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  // A curl that logs each start, in front of the real one.
  dir = mkdtempSync(join(tmpdir(), 'qms-mcp-script-'));
  writeFileSync(join(dir, 'curl'), `#!/bin/sh\necho start >> ${dir}/curl.log\nexec /usr/bin/curl "$@"\n`);
  chmodSync(join(dir, 'curl'), 0o755);
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  rmSync(dir, { recursive: true, force: true });
});

// `dir` (the curl that counts its starts, first on PATH) is made in beforeAll.
const sh = (script: string, stdin: string) => hostSh(`${dir}:/usr/bin:/bin`)(script, stdin);

describe('mcp script', () => {
  it('answers every step in order over one session, ends it, and starts curl once per run of requests', async () => {
    const batch = new ExecBatch((script, stdin) => sh(script, stdin));
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
    const out = await batch.exec({ script, vars: { [ENV_URL]: url, [ENV_TOKEN]: TOKEN }, timeoutMs: 30_000 });
    const { steps: got, noCurl } = parseMcpOutput(out.stdout, steps);
    expect(noCurl).toBe(false);
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
    // initialize; the run before the sh step; the run after it with the DELETE.
    expect(readFileSync(join(dir, 'curl.log'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('reports a server that is not there per step, with curl\'s error', async () => {
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

/** A batch (recording its scripts) and a target whose server `srv` has a shared session. */
function sharedSession() {
  const runs: string[] = [];
  const batch = new ExecBatch((script, stdin) => {
    runs.push(script);
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

/**
 * The shared streamable-HTTP host for our MCP servers (qms-mcp, git-mcp): node:http servers on
 * loopback and the Docker bridge gateway, path `/mcp`, one McpServer per MCP session, and the
 * guards every request passes first: Host/Origin allowlist (DNS rebinding), bearer token
 * (constant-time) naming the caller's identity, body size cap. A session belongs to the token
 * that opened it: its McpServer is built for that token's identity, and a request on it with
 * another token is refused, so identity comes from the credential, never from the request.
 * Each token may hold at most four bodies' worth of bytes in the host at once (bytes-in-flight.ts).
 * Each session's messages go to its McpServer through JsonSessionTransport (answers as JSON, no
 * SSE); the MCP SDK is loaded lazily, when a host is started.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { QmsError } from '../../tasks/errors.js';
import { defaultAllowedHostnames, defaultListenHosts } from './bridge-address.js';
import { isInitialize, jsonRpcError, JsonSessionTransport, parseMessages, postHeadersProblem, setSdkTypes, versionProblem, type HttpAnswer } from './json-session-transport.js';
import { BytesInFlight } from './bytes-in-flight.js';
import { findPortHolder, portInUseError } from './port-holder.js';
import { credentialOf, digest, hostnameOf, originAllowed, type Credential } from './request-guards.js';
import { DEFAULT_SESSION_LIMITS, SessionTable, type SessionLimits } from './session-table.js';

export interface HttpHostOptions {
  /** Builds a fresh McpServer for the identity of the token that opened the session; called once per MCP session. */
  createServer: (identity: string) => Promise<McpServer> | McpServer;
  /** TCP port; 0 picks a free one (the same for every host address). */
  port: number;
  /** Addresses to listen on; default 127.0.0.1 plus docker0's IPv4 when present. Never 0.0.0.0 unless asked. */
  hosts?: string[];
  /** Accepted bearer tokens → the identity (agent / QMS user) each one names. */
  tokens: ReadonlyMap<string, string>;
  /** Accepted Host header names; default localhost, 127.0.0.1, host.docker.internal, the bridge address. */
  allowedHostnames?: string[];
  /** Largest accepted request body; default 4 MiB. A token may hold four times this in flight. */
  maxBodyBytes?: number;
  /** Sessions per credential and idle expiry; default 16 sessions, 30 minutes. */
  sessionLimits?: Partial<SessionLimits>;
}

export interface HttpHost {
  /** `http://<host>:<port>/mcp` for each listening address. */
  urls: string[];
  port: number;
  /** Closes every MCP session and the HTTP servers. */
  close(): Promise<void>;
}

const MCP_PATH = '/mcp';

/** Writes the answer, or the one `instead` gives for its size; returns the bytes of the body written. */
function send(res: ServerResponse, answer: HttpAnswer, instead?: (bytes: number) => HttpAnswer | undefined): number {
  if (res.headersSent || res.destroyed) {
    res.end();
    return 0;
  }
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return 0;
  }
  const body = JSON.stringify(answer.body);
  const bytes = Buffer.byteLength(body);
  const other = instead?.(bytes);
  if (other) return send(res, other);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': bytes, ...answer.headers });
  res.end(body);
  return bytes;
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>): void {
  send(res, jsonRpcError(status, code, message, headers));
}

export class BodyTooLarge extends Error {}
/** The caller's allowance of bytes in flight is spent (`admit` said no). */
export class OverAllowance extends Error {}

/** The body, up to `limit` bytes; `admit(n)` is asked before each chunk of n bytes is kept. */
export function readBody(req: IncomingMessage, limit: number, admit?: (bytes: number) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return; // read on and dropped: the answer (429) reaches the client, no byte is kept
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      if (admit && !admit(chunk.length)) {
        refused = true;
        chunks.length = 0;
        reject(new OverAllowance());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the host; rejects with a QmsError naming the port (and its holder) when it is taken. */
export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  setSdkTypes(await import('@modelcontextprotocol/sdk/types.js'));
  const accepted: Credential[] = [...options.tokens].map(([token, identity]) => {
    if (!token) throw new QmsError('MCP HTTP host needs non-empty bearer tokens', 'Set QMS_MCP_TOKEN / QMS_MCP_TOKENS or let qms generate one.');
    if (!identity) throw new QmsError('every MCP bearer token must name an identity', 'Give each token the agent (QMS user) it belongs to.');
    return { hash: digest(token), identity };
  });
  if (accepted.length === 0) throw new QmsError('MCP HTTP host needs a non-empty bearer token', 'Set QMS_MCP_TOKEN or let qms generate one.');
  const explicitHosts = options.hosts !== undefined;
  const hosts = options.hosts ?? defaultListenHosts();
  const allowed = new Set((options.allowedHostnames ?? defaultAllowedHostnames()).map((h) => h.toLowerCase()));
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  type Session = { transport: JsonSessionTransport; server: McpServer };
  const sessions = new SessionTable<Session>({ ...DEFAULT_SESSION_LIMITS, ...options.sessionLimits }, (s) => void s.transport.close().catch(() => undefined));
  const inFlight = new BytesInFlight<Credential>(maxBody);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host;
    if (!host || !allowed.has(hostnameOf(host))) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: Host header ${JSON.stringify(host ?? '')} is not allowed`);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, allowed)) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: Origin ${JSON.stringify(origin)} is not allowed`);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== MCP_PATH) {
      sendJsonRpcError(res, 404, -32601, `Not found: MCP is served at ${MCP_PATH}`);
      return;
    }
    const credential = credentialOf(req.headers.authorization, accepted);
    if (!credential) {
      sendJsonRpcError(res, 401, -32001, 'Unauthorized: a valid "Authorization: Bearer <token>" header is required', {
        'www-authenticate': 'Bearer realm="qms-mcp"',
      });
      return;
    }
    if (inFlight.spent(credential)) {
      send(res, inFlight.refusal());
      return;
    }
    const account = inFlight.request(credential);
    // Released when the answer is flushed or the connection ends ('close' follows either).
    res.once('close', account.release);

    const sessionId = req.headers['mcp-session-id'];
    if (req.method !== 'POST') {
      if (typeof sessionId !== 'string' || (req.method !== 'GET' && req.method !== 'DELETE')) {
        sendJsonRpcError(res, 405, -32000, 'Method Not Allowed: send MCP messages with POST (no mcp-session-id: initialize first)', { allow: 'POST, DELETE' });
        return;
      }
    } else {
      const problem = postHeadersProblem(req.headers);
      if (problem) {
        send(res, problem);
        return;
      }
    }

    let body: unknown;
    if (req.method === 'POST') {
      try {
        const text = await readBody(req, maxBody, account.admit);
        body = JSON.parse(text);
      } catch (err) {
        if (err instanceof BodyTooLarge) sendJsonRpcError(res, 413, -32600, `Request body larger than ${maxBody} bytes`);
        else if (err instanceof OverAllowance) send(res, inFlight.refusal());
        else sendJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
        return;
      }
    }

    if (typeof sessionId === 'string') {
      const session = sessions.use(sessionId);
      if (!session) {
        sendJsonRpcError(res, 404, -32001, 'Session not found: start a new MCP session with initialize');
        return;
      }
      if (session.owner !== credential) {
        // Another agent's token on this session: it would act with the opener's identity.
        sendJsonRpcError(res, 403, -32001, 'Forbidden: this MCP session was opened with another token; start your own session with initialize');
        return;
      }
      const problem = versionProblem(req.headers);
      if (problem) {
        send(res, problem);
        return;
      }
      const { transport } = session.value;
      if (req.method === 'GET') {
        // No standalone SSE stream: our servers send nothing unasked (the spec allows 405).
        sendJsonRpcError(res, 405, -32000, 'Method Not Allowed: this server offers no SSE stream', { allow: 'POST, DELETE' });
        return;
      }
      if (req.method === 'DELETE') {
        await transport.close();
        send(res, { status: 200 });
        return;
      }
      const parsed = parseMessages(body);
      if (!('messages' in parsed)) {
        send(res, parsed);
        return;
      }
      if (parsed.messages.some(isInitialize)) {
        sendJsonRpcError(res, 400, -32600, 'Invalid Request: Server already initialized');
        return;
      }
      // A client may be gone already (it sent its body and hung up): its requests are dropped now.
      account.add(send(res, await transport.post(parsed, (drop) => (res.destroyed ? drop() : res.once('close', () => res.writableFinished || drop()))), account.answerOver));
      return;
    }
    const parsed = parseMessages(body);
    if (!('messages' in parsed) || parsed.batch || !isInitialize(parsed.messages[0]!)) {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: no mcp-session-id header; the first request must be initialize, alone');
      return;
    }
    const server = await options.createServer(credential.identity);
    const id = randomUUID();
    const transport = new JsonSessionTransport(id);
    sessions.add(id, credential, { transport, server });
    transport.onclose = () => {
      sessions.delete(id);
      void server.close().catch(() => undefined);
    };
    await server.connect(transport);
    account.add(send(res, await transport.post(parsed)));
  }

  const servers: Server[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      sendJsonRpcError(res, 500, -32603, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };

  let port = options.port;
  const bound: string[] = [];
  for (const host of hosts) {
    const server = createHttpServer(listener);
    // Clients reuse idle connections until the server's Keep-Alive hint minus a margin; with
    // Node's 5 s a busy host (a slow tool call elsewhere) loses that race and the client's next
    // request dies with ECONNRESET. A longer idle time makes it rare for an agent's pauses.
    server.keepAliveTimeout = 65_000;
    try {
      port = await listen(server, port, host);
      servers.push(server);
      bound.push(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // docker0 may vanish (engine stopped) between detection and bind; loopback still works.
      if (!explicitHosts && code === 'EADDRNOTAVAIL' && host !== '127.0.0.1') continue;
      await Promise.all(servers.map(closeServer));
      if (code === 'EADDRINUSE') throw portInUseError(port, await findPortHolder(port), host);
      if (code === 'EACCES') throw new QmsError(`Not allowed to listen on ${host}:${port}`, 'Use a port above 1023.');
      if (code === 'EADDRNOTAVAIL') throw new QmsError(`Cannot listen on ${host}: no such address on this machine`, 'Pass a host address this machine has (e.g. 127.0.0.1).');
      throw err;
    }
  }

  const urls = bound.map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${port}${MCP_PATH}`);
  let closed: Promise<void> | undefined;
  return {
    urls,
    port,
    close() {
      closed ??= (async () => {
        const open = sessions.drain();
        await Promise.all(open.map(async (s) => {
          await s.transport.close().catch(() => undefined);
          await s.server.close().catch(() => undefined);
        }));
        await Promise.all(servers.map(closeServer));
      })();
      return closed;
    },
  };
}

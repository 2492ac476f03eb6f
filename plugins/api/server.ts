/**
 * The project API's HTTP server: the guards every request passes first (Host and Origin
 * allowlist, then the bearer token for everything under `/api/` — the shared request-guards,
 * the same the MCP host applies), the routes, and the dashboard at `/`. Loopback only unless
 * told otherwise. Errors are JSON with a message and a hint (api-error.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLarge, closeServer, listen, readBody } from '../mcp-server/http-host.js';
import { findPortHolder, portInUseError } from '../mcp-server/port-holder.js';
import { credentialOf, digest, hostnameOf, originAllowed, type Credential } from '../mcp-server/request-guards.js';
import { findRunningContainer } from '../container/operations.js';
import { QmsError } from '../../tasks/errors.js';
import { ensureAgent, refreshAgent, stopAgent, type ActionDeps } from './agent-actions.js';
import { agentStats, listAgents, rosterAgentOr404 } from './agents.js';
import { ApiError, sendError, sendJson } from './api-error.js';
import type { ApiProject, LiveProject } from './api-project.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import { EventFeed } from './event-feed.js';
import { parseExecBody, streamExec } from './exec-stream.js';
import { openApiDocument } from './openapi.js';
import { AgentLocks } from './run-lock.js';
import { latestVerification, verificationMarkdown } from './verification.js';

export interface ApiServerOptions {
  /** The project, opened again for each request (a changed config is seen at once). */
  project: LiveProject;
  /** The bearer token every `/api/` call must carry. */
  token: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Addresses to listen on; default 127.0.0.1. */
  hosts?: readonly string[];
  /** Package version, for the OpenAPI document. */
  version?: string;
}

export interface ApiServer {
  urls: string[];
  port: number;
  feed: EventFeed;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const DASHBOARD_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(req, MAX_BODY);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new ApiError(413, 'too-large', `request body larger than ${MAX_BODY} bytes`, 'Send a smaller body.');
    throw err;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'bad-request', 'the request body is not valid JSON', 'Send a JSON object, or no body.');
  }
}

/** ensure/refresh take no options: an empty body or `{}`. */
async function emptyBody(req: IncomingMessage): Promise<void> {
  const body = await jsonBody(req);
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) throw new ApiError(400, 'bad-request', 'this call takes no options: send no body or {}', 'Remove the body; the agent is named in the path.');
}

function methodNotAllowed(allowed: string): ApiError {
  return new ApiError(405, 'method-not-allowed', `method not allowed here (allowed: ${allowed})`, 'See GET /api/openapi.json.');
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  if (o.token.length < 16) throw new QmsError('the API token must be at least 16 characters', 'Let `qms serve api` generate one, or set QMS_API_TOKEN to e.g. `openssl rand -hex 32`.', { plugin: 'api' });
  const live = o.project;
  const hosts = [...(o.hosts ?? ['127.0.0.1'])];
  const accepted: Credential[] = [{ hash: digest(o.token), identity: 'api' }];
  const allowed = new Set([...LOOPBACK_NAMES, ...hosts.map((h) => h.toLowerCase())]);
  const feed = new EventFeed();
  const stopping = new AbortController();
  const locks = new AgentLocks(stopping.signal);

  /** `opened`: the request's project, once loaded (its redactor cleans the error answer). */
  async function route(req: IncomingMessage, res: ServerResponse, opened: { project?: ApiProject }): Promise<void> {
    const host = req.headers.host;
    if (!host || !allowed.has(hostnameOf(host))) throw new ApiError(403, 'forbidden-host', `Host header ${JSON.stringify((host ?? '').slice(0, 100))} is not allowed`, `Use http://127.0.0.1:<port>/ (allowed: ${[...allowed].join(', ')}).`);
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, allowed)) throw new ApiError(403, 'forbidden-origin', `Origin ${JSON.stringify(origin.slice(0, 100))} is not allowed`, 'Open the dashboard from this server itself.');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    if (path === '/' || path === '/index.html') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': DASHBOARD_CSP, 'x-content-type-options': 'nosniff' });
      res.end(method === 'HEAD' ? undefined : DASHBOARD_HTML);
      return;
    }
    if (!path.startsWith('/api/')) throw new ApiError(404, 'not-found', `nothing at ${path.slice(0, 200)}`, 'The dashboard is at /, the API under /api/ (GET /api/openapi.json).');
    if (!credentialOf(req.headers.authorization, accepted)) {
      throw new ApiError(401, 'unauthorized', 'a valid "Authorization: Bearer <token>" header is required', 'Send the token from its file under .qms/api/: api.token when `qms up` runs the API, serve.token (the path it printed) for `qms serve api`.');
    }
    if (path === '/api/openapi.json') {
      if (method !== 'GET') throw methodNotAllowed('GET');
      return sendJson(res, 200, openApiDocument(o.version ?? '0'));
    }
    if (path === '/api/events') {
      if (method !== 'GET') throw methodNotAllowed('GET');
      return feed.subscribe(res);
    }
    const project = (opened.project = await live.current());
    const ctx = () => project.pluginContext(stopping.signal);
    const deps: ActionDeps = { project, locks, feed, signal: stopping.signal };
    if (path === '/api/agents') {
      if (method !== 'GET') throw methodNotAllowed('GET');
      return sendJson(res, 200, { agents: await listAgents(ctx()) });
    }
    const m = /^\/api\/agents\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
    if (!m) throw new ApiError(404, 'not-found', `no such API path ${path.slice(0, 200)}`, 'See GET /api/openapi.json.');
    let name: string;
    try {
      name = decodeURIComponent(m[1] ?? '');
    } catch {
      throw new ApiError(400, 'bad-request', 'the agent name in the path is not valid URL encoding', 'Use a roster name, e.g. /api/agents/claude.');
    }
    const agent = rosterAgentOr404(ctx(), name);
    const action = m[2];
    switch (action) {
      case undefined:
        if (method !== 'DELETE') throw methodNotAllowed('DELETE');
        return sendJson(res, 200, await stopAgent(deps, agent));
      case 'ensure':
        if (method !== 'POST') throw methodNotAllowed('POST');
        await emptyBody(req);
        return sendJson(res, 200, await ensureAgent(deps, agent));
      case 'refresh':
        if (method !== 'POST') throw methodNotAllowed('POST');
        await emptyBody(req);
        return sendJson(res, 200, await refreshAgent(deps, agent));
      case 'stats':
        if (method !== 'GET') throw methodNotAllowed('GET');
        return sendJson(res, 200, await agentStats(ctx(), agent));
      case 'verification':
        if (method !== 'GET') throw methodNotAllowed('GET');
      {
        if (new URL(req.url ?? '/', 'http://x').searchParams.get('format') !== 'markdown') return sendJson(res, 200, { agent, verification: (await latestVerification(ctx(), agent)) ?? null });
        const text = await verificationMarkdown(ctx(), agent);
        if (text === undefined) throw new ApiError(404, 'no-evidence', `no verification evidence (Markdown) for ${agent}`, `Run \`qms verify ${agent}\` (or ensure it: the up chain verifies).`);
        // Text the checks' output went into: plain, never rendered as HTML by the browser.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox", 'cache-control': 'no-store' });
        res.end(text);
        return;
      }
      case 'exec': {
        if (method !== 'POST') throw methodNotAllowed('POST');
        const cmd = parseExecBody(await jsonBody(req));
        const c = ctx();
        return streamExec(c, agent, cmd, res, () => findRunningContainer(c, agent));
      }
      default:
        throw new ApiError(404, 'not-found', `no such API path ${path.slice(0, 200)}`, 'See GET /api/openapi.json.');
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const opened: { project?: ApiProject } = {};
    route(req, res, opened).catch((err: unknown) => sendError(res, err, (s) => (opened.project ?? live.first).redactor.redact(s)));
  };
  const servers: Server[] = [];
  let port = o.port;
  for (const host of hosts) {
    const server = createServer(listener);
    server.keepAliveTimeout = 65_000; // see http-host.ts: Node's 5 s loses the keep-alive race
    try {
      port = await listen(server, port, host);
      servers.push(server);
    } catch (err) {
      await Promise.all(servers.map(closeServer));
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw portInUseError(port, await findPortHolder(port), host);
      if (code === 'EADDRNOTAVAIL') throw new QmsError(`Cannot listen on ${host}: no such address on this machine`, 'Pass a host address this machine has (e.g. 127.0.0.1).', { plugin: 'api' });
      throw err;
    }
  }
  let closed: Promise<void> | undefined;
  return {
    urls: hosts.map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${port}/`),
    port,
    feed,
    close() {
      closed ??= (async () => {
        stopping.abort(new Error('qms serve api is stopping'));
        feed.close();
        await Promise.all(servers.map(closeServer));
      })();
      return closed;
    },
  };
}

/**
 * Readiness of an MCP server = a real MCP handshake over streamable HTTP: `initialize`, then
 * `tools/list`, with the bearer token (the seeds' launcher took any HTTP status as "up").
 * `waitReady` retries a probe (by default that handshake; another supervised service passes
 * its own) with exponential backoff until a deadline, stopping early when the process is known
 * to have exited.
 */
import { QmsError } from '../../tasks/errors.js';
import { requestText } from './http-request.js';
import { jsonRpcResponse, MCP_PROTOCOL_VERSION as PROTOCOL_VERSION } from './jsonrpc-body.js';

export interface ProbeResult {
  serverName: string | undefined;
  tools: string[];
}

/**
 * One handshake; rejects on any failure (connection, HTTP status, not MCP, timeout). Spoken in
 * plain HTTP rather than with the SDK client, whose import (~200 ms, its zod schemas) dominated a
 * warm `qms up`: `initialize` → `notifications/initialized` → `tools/list`, then the session is ended
 * so probes (e.g. from `qms status`) do not pile up sessions on the server. `initializeOnly`: the
 * handshake's first step alone (a running server's reuse check: it answers MCP with this token;
 * verify then talks to it in full from inside the container).
 */
export async function probeMcp(url: string, token: string, timeoutMs = 3000, { initializeOnly = false }: { initializeOnly?: boolean } = {}): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  let session: string | undefined;
  const post = async (message: Record<string, unknown>): Promise<{ status: number; body: string }> => {
    const res = await requestText(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': PROTOCOL_VERSION } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      signal,
    });
    session ??= res.header('mcp-session-id');
    return { status: res.status, body: res.body };
  };
  const call = async (id: number, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const { status, body } = await post({ id, method, params });
    if (status !== 200) throw new Error(`${method}: HTTP ${status} ${body.slice(0, 200)}`);
    const answer = jsonRpcResponse(body, id);
    if (!answer) throw new Error(`${method}: not an MCP answer (${body.slice(0, 200)})`);
    if (answer.error || !answer.result) throw new Error(`${method}: ${answer.error?.message ?? 'no result'}`);
    return answer.result;
  };
  try {
    const init = await call(1, 'initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'qms-readiness-probe', version: '1.0.0' } });
    const info = init.serverInfo as { name?: unknown } | undefined;
    const serverName = typeof info?.name === 'string' ? info.name : undefined;
    if (initializeOnly) return { serverName, tools: [] };
    const initialized = await post({ method: 'notifications/initialized' });
    if (initialized.status !== 202 && initialized.status !== 200) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
    const listed = await call(2, 'tools/list', {});
    const tools = Array.isArray(listed.tools) ? listed.tools.map((t: { name?: unknown }) => String(t.name)) : [];
    return { serverName, tools };
  } catch (err) {
    throw signal.aborted ? new Error(`no MCP answer within ${timeoutMs} ms`) : err;
  } finally {
    if (session) {
      await requestText(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': session }, signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    }
  }
}

export interface WaitReadyOptions<T = ProbeResult> {
  url: string;
  token: string;
  timeoutMs: number;
  /** A reason when the process is known to be gone (then waiting is pointless). */
  exited?: () => string | undefined;
  signal?: AbortSignal;
  /** The check; default the MCP handshake. */
  probe?: (url: string, token: string, timeoutMs: number) => Promise<T>;
  /** What answers, for the timeout message (default `MCP`). */
  what?: string;
  hint?: string;
}

export class ServerExited extends Error {}

/** Probes until the server answers; QmsError after `timeoutMs` with the last failure. */
export async function waitReady<T = ProbeResult>(options: WaitReadyOptions<T>): Promise<T> {
  const probe = options.probe ?? (probeMcp as unknown as (url: string, token: string, timeoutMs: number) => Promise<T>);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  // A refused connection costs next to nothing: poll briskly for the first second, then back off.
  let delay = 25;
  let last = 'no attempt yet';
  for (;;) {
    options.signal?.throwIfAborted();
    const gone = options.exited?.();
    if (gone) throw new ServerExited(gone);
    const left = deadline - Date.now();
    try {
      return await probe(options.url, options.token, Math.max(200, Math.min(3000, left)));
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const goneAfter = options.exited?.();
    if (goneAfter) throw new ServerExited(goneAfter);
    if (Date.now() + delay >= deadline) {
      throw new QmsError(
        `no ${options.what ?? 'MCP'} answer from ${options.url} within ${options.timeoutMs} ms (last attempt: ${last})`,
        options.hint ?? 'Check that the command starts a streamable-HTTP MCP server on that host and port (path /mcp) and accepts the bearer token; see its log (qms logs <server>).',
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    if (Date.now() - started > 1000) delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}

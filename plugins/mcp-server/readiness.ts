/**
 * Readiness of an MCP server = a real MCP handshake over streamable HTTP: `initialize`, then
 * `tools/list`, with the bearer token (the seeds' launcher took any HTTP status as "up").
 * `waitReady` retries with exponential backoff until a deadline, stopping early when the
 * process is known to have exited.
 */
import { QmsError } from '../../tasks/errors.js';

export interface ProbeResult {
  serverName: string | undefined;
  tools: string[];
}

/** One handshake; rejects on any failure (connection, HTTP status, not MCP, timeout). */
export async function probeMcp(url: string, token: string, timeoutMs = 3000): Promise<ProbeResult> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no MCP answer within ${timeoutMs} ms`)), timeoutMs);
  const client = new Client({ name: 'qms-readiness-probe', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` }, signal: controller.signal },
  });
  try {
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }));
    const result = await Promise.race([
      (async () => {
        await client.connect(transport, { timeout: timeoutMs, signal: controller.signal });
        const { tools } = await client.listTools(undefined, { timeout: timeoutMs, signal: controller.signal });
        return { serverName: client.getServerVersion()?.name, tools: tools.map((t) => t.name) };
      })(),
      aborted,
    ]);
    // End the session so probes (e.g. from `qms status`) do not pile up sessions on the server.
    await transport.terminateSession().catch(() => undefined);
    return result;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

export interface WaitReadyOptions {
  url: string;
  token: string;
  timeoutMs: number;
  /** A reason when the process is known to be gone (then waiting is pointless). */
  exited?: () => string | undefined;
  signal?: AbortSignal;
}

export class ServerExited extends Error {}

/** Probes until the server answers MCP; QmsError after `timeoutMs` with the last failure. */
export async function waitReady(options: WaitReadyOptions): Promise<ProbeResult> {
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
      return await probeMcp(options.url, options.token, Math.max(200, Math.min(3000, left)));
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const goneAfter = options.exited?.();
    if (goneAfter) throw new ServerExited(goneAfter);
    if (Date.now() + delay >= deadline) {
      throw new QmsError(
        `no MCP answer from ${options.url} within ${options.timeoutMs} ms (last attempt: ${last})`,
        'Check that the command starts a streamable-HTTP MCP server on that host and port (path /mcp) and accepts the bearer token; see its log (qms logs <server>).',
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    if (Date.now() - started > 1000) delay = Math.min(Math.round(delay * 1.5), 1000);
  }
}

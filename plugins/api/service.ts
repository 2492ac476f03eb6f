/**
 * The project API as a supervised service (`qms up` with `api()` in the config): the MCP
 * supervisor's own state machine (plugins/mcp-server/supervisor.ts) with the API's kind —
 * files `.qms/api/api.{pid,log,token}` (token 0600, given to the process in env
 * `QMS_API_TOKEN`, never in its arguments), state entry `api:api`, ready when
 * `GET /api/openapi.json` answers with the token. The process is `serve-main.js api
 * --project-root <root> --config <file> --port <port> --host <host>…`: the same server
 * `qms serve api` runs. Restarted when that launch changes (port, hosts, config file, qms
 * itself); not for a change inside the config, which the API reads on every call.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { builtinServerEntry } from '../mcp-server/package-root.js';
import { resolveLaunch, type Launch, type McpServerOptions } from '../mcp-server/launch.js';
import { requestText } from '../mcp-server/http-request.js';
import { singleTokenFiles, type ServiceKind } from '../mcp-server/service-kind.js';
import { inspectServer, startServer, stopServer } from '../mcp-server/supervisor.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import type { PluginContext, StatusRow, TaskContext } from '../../tasks/types.js';
import { API_PLUGIN, API_SERVICE, API_STATE_KIND, API_TASK } from './names.js';

export interface ApiServiceOptions {
  port: number;
  hosts: readonly string[];
  readyTimeoutMs?: number;
}

/** What the `api` task returns (no token: it is in the file). */
export interface ApiServiceResult {
  url: string;
  tokenFile: string;
}

const files = singleTokenFiles('api');

/** One answer of `GET /api/openapi.json` with the token: the server is up and takes the token. */
async function probeApi(url: string, token: string, timeoutMs: number): Promise<{ summary: string; details: Record<string, string> }> {
  const res = await requestText(`${url}api/openapi.json`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  const body = res.body;
  if (res.status !== 200) throw new Error(`GET /api/openapi.json: HTTP ${res.status} ${body.slice(0, 200)}`);
  let doc: { openapi?: unknown };
  try {
    doc = JSON.parse(body) as { openapi?: unknown };
  } catch {
    throw new Error(`GET /api/openapi.json: not JSON (${body.slice(0, 100)})`);
  }
  if (typeof doc.openapi !== 'string') throw new Error('GET /api/openapi.json: not an OpenAPI document');
  return { summary: '', details: {} };
}

export const API_KIND: ServiceKind = {
  noun: 'API server',
  protocol: 'API',
  stateId: (name) => `api:${name}`,
  stateKind: API_STATE_KIND,
  statePlugin: () => API_PLUGIN,
  lockName: (name) => `api-${name}`,
  ...files,
  tokenEnv: (_byAgent, token) => ({ QMS_API_TOKEN: token }),
  probe: probeApi,
  readyHint: 'See the API log under .qms/api/ for why it did not start (e.g. a config error).',
  builtinKind: () => 'api',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1']);

/** The server options and launch of the API for this project. */
export function apiLaunch(ctx: PluginContext, o: ApiServiceOptions): { options: McpServerOptions; launch: Launch } {
  const { root, config } = ctx;
  const args = [builtinServerEntry(), 'api', '--project-root', root, ...(existsSync(config.file) ? ['--config', config.file] : []), '--port', String(o.port), ...o.hosts.flatMap((h) => ['--host', h])];
  // One token (`agents` names it); `hosts` as given: the API is loopback only unless told otherwise.
  const options: McpServerOptions = { name: API_SERVICE, taskName: API_TASK, port: o.port, command: process.execPath, args, hosts: [...o.hosts], agents: [API_SERVICE], ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}) };
  const launch = resolveLaunch(root, options, config.agents);
  const local = o.hosts.some((h) => LOOPBACK.has(h)) ? '127.0.0.1' : o.hosts[0]!;
  const hostUrl = `http://${local.includes(':') ? `[${local}]` : local}:${o.port}/`;
  return { options, launch: { ...launch, hostUrl, containerUrl: '' } };
}

const resultOf = (ctx: PluginContext, endpoint: McpEndpoint): ApiServiceResult => ({
  url: endpoint.hostUrl,
  tokenFile: relative(ctx.root, files.tokenFile(ctx.root, API_SERVICE, [], '')),
});

/** The `api` task: reuse the running API (skipped) or start it and wait until it answers. */
export async function startApi(ctx: TaskContext, o: ApiServiceOptions): Promise<ApiServiceResult> {
  const { options, launch } = apiLaunch(ctx, o);
  // A reused server is reported as skipped with the same result (never the token).
  // (Object.create, not a spread: the context has a lazy getter, `$`, that a spread would run.)
  const skip: TaskContext['skip'] = (reason, result) => ctx.skip(reason, result ? resultOf(ctx, result as McpEndpoint) : undefined);
  const quiet = Object.create(ctx, { skip: { value: skip } }) as TaskContext;
  const endpoint = await startServer(quiet, options, API_KIND, launch);
  const result = resultOf(ctx, endpoint);
  ctx.log.info(`project API at ${result.url} (dashboard at /, API under /api/); token in ${result.tokenFile}`);
  return result;
}

export function stopApi(ctx: PluginContext): Promise<'stopped' | 'stale' | 'not-running'> {
  return stopServer(ctx, API_SERVICE, { kind: API_KIND });
}

/** `qms status`: the API's row (running / unresponsive / stale), with where its token is. */
export async function inspectApi(ctx: PluginContext): Promise<StatusRow[]> {
  const rows = await inspectServer(ctx, API_SERVICE, API_PLUGIN, API_KIND);
  return rows.map((r) => ({ ...r, details: { ...r.details, tokenFile: relative(ctx.root, files.tokenFile(ctx.root, API_SERVICE, [], '')) } }));
}

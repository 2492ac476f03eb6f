/**
 * The transport half of `qms serve <server>`, shared by the built-in servers: stdio (one
 * client on stdin/stdout, acting as the default identity) or streamable HTTP through
 * `startHttpHost` until SIGTERM/SIGINT. The tokens, each naming the identity it acts as, come
 * from env (read once, then deleted so nothing this process starts inherits them):
 * `QMS_MCP_TOKEN` (one token, for the default identity) and `QMS_MCP_TOKENS` (JSON
 * `{"<identity>": "<token>", …}`, what the supervisor passes for several agents). With neither,
 * one is generated into a 0600 file of its own, `.qms/mcp/<name>.serve.token` (its path is
 * printed, never the token; the supervisor's `<name>.token` of a server `qms up` runs is left alone).
 */
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { ensureQmsSubdir } from '../../tasks/state/qms-dir.js';
import { join } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { QmsError } from '../../tasks/errors.js';

export interface ServeTransportOptions {
  /** Endpoint name (`qms`, `git`): names the generated token file. */
  name: string;
  /** For messages, e.g. `qms-mcp`. */
  label: string;
  root: string;
  transport: string | undefined;
  port: string | undefined;
  hosts: string[] | undefined;
  /** Builds a server for one session, acting as `identity` (the token's agent). */
  createServer: (identity: string) => Promise<McpServer> | McpServer;
  /** Identity of `QMS_MCP_TOKEN`, of a generated token and of stdio; default `claude`. */
  defaultIdentity?: string;
  /** What the server serves, for the start-up line (e.g. `/repo for user claude`). */
  describe: string;
}

/** `--port` and `--transport` as given on the command line, checked. */
export function checkTransportArgs(port: string | undefined, transport: string | undefined): { port: number; transport: 'http' | 'stdio' } {
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new QmsError(`invalid --port ${port}`, 'Pass a TCP port number (0-65535).');
  if (transport !== 'http' && transport !== 'stdio') throw new QmsError(`invalid --transport ${transport}`, 'Use --transport http or --transport stdio.');
  return { port: n, transport };
}

function untilSignal(onSignal: (signal: NodeJS.Signals) => void): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (signal: NodeJS.Signals): void => {
      onSignal(signal);
      resolveStop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

const IDENTITY = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * token → identity from `QMS_MCP_TOKEN` (the default identity's) and `QMS_MCP_TOKENS` (JSON
 * `{"<identity>": "<token>"}`); a token in both keeps the identity `QMS_MCP_TOKENS` gives it.
 * Both variables are deleted from the environment here.
 */
export function tokensFromEnv(env: NodeJS.ProcessEnv, defaultIdentity: string): Map<string, string> {
  const single = env.QMS_MCP_TOKEN ?? '';
  const many = env.QMS_MCP_TOKENS ?? '';
  delete env.QMS_MCP_TOKEN;
  delete env.QMS_MCP_TOKENS;
  const tokens = new Map<string, string>();
  if (many) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(many);
    } catch {
      throw new QmsError('env QMS_MCP_TOKENS is not valid JSON', 'Set it to a JSON object {"<agent>": "<token>", …}.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new QmsError('env QMS_MCP_TOKENS must be a JSON object', 'Set it to {"<agent>": "<token>", …}.');
    for (const [identity, token] of Object.entries(parsed)) {
      if (!IDENTITY.test(identity)) throw new QmsError(`env QMS_MCP_TOKENS: ${JSON.stringify(identity.slice(0, 40))} is not an agent name`, 'Agent names are lowercase letters, digits, "-" or "_", starting with a letter.');
      if (typeof token !== 'string' || token.length < 16 || /\s/.test(token)) throw new QmsError(`env QMS_MCP_TOKENS: the token of ${identity} must be a string of at least 16 characters without spaces`, 'Generate tokens with e.g. `openssl rand -hex 32`.');
      const other = tokens.get(token);
      if (other !== undefined) throw new QmsError(`env QMS_MCP_TOKENS: ${other} and ${identity} share one token`, 'Give every agent a token of its own: a token names exactly one identity.');
      tokens.set(token, identity);
    }
  }
  if (single && !tokens.has(single)) tokens.set(single, defaultIdentity);
  return tokens;
}

export async function serveTransport(o: ServeTransportOptions): Promise<number> {
  const { port, transport } = checkTransportArgs(o.port, o.transport);
  if (transport === 'stdio') {
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const server = await o.createServer(o.defaultIdentity ?? 'claude');
    const stdio = new StdioServerTransport();
    const closed = new Promise<void>((r) => (stdio.onclose = r));
    await server.connect(stdio);
    process.stdin.once('end', () => void server.close());
    void untilSignal(() => void server.close());
    await closed;
    return 0;
  }

  const identity = o.defaultIdentity ?? 'claude';
  const tokens = tokensFromEnv(process.env, identity); // deletes them: nothing this process starts (git, python…) inherits them
  if (tokens.size === 0) {
    const token = randomBytes(32).toString('hex');
    tokens.set(token, identity);
    const file = join(await ensureQmsSubdir(o.root, 'mcp'), `${o.name}.serve.token`); // .qms/ ignores itself
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    process.stderr.write(`${o.label}: no QMS_MCP_TOKEN given; generated one in ${file} (acts as ${identity})\n`);
  }
  const { startHttpHost } = await import('./http-host.js');
  const host = await startHttpHost({ createServer: o.createServer, port, tokens, ...(o.hosts ? { hosts: o.hosts } : {}) });
  process.stdout.write(`${o.label}: serving ${o.describe} at ${host.urls.join(', ')}\n`);
  await untilSignal((signal) => process.stdout.write(`${o.label}: ${signal}, shutting down\n`));
  await host.close();
  return 0;
}

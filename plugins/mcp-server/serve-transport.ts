/**
 * The transport half of `qms serve <server>`, shared by the built-in servers: stdio (one
 * client on stdin/stdout) or streamable HTTP through `startHttpHost` with the bearer token
 * from env `QMS_MCP_TOKEN` — or, when none is given, one generated into a 0600 file of its own,
 * `.qms/mcp/<name>.serve.token` (its path is printed, never the token; the supervisor's
 * `<name>.token` of a server `qms up` runs is left alone) — until SIGTERM/SIGINT.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  createServer: () => Promise<McpServer> | McpServer;
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

export async function serveTransport(o: ServeTransportOptions): Promise<number> {
  const { port, transport } = checkTransportArgs(o.port, o.transport);
  if (transport === 'stdio') {
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const server = await o.createServer();
    const stdio = new StdioServerTransport();
    const closed = new Promise<void>((r) => (stdio.onclose = r));
    await server.connect(stdio);
    process.stdin.once('end', () => void server.close());
    void untilSignal(() => void server.close());
    await closed;
    return 0;
  }

  let token = process.env.QMS_MCP_TOKEN ?? '';
  delete process.env.QMS_MCP_TOKEN; // nothing this process starts (git, ssh…) should inherit it
  if (!token) {
    token = randomBytes(32).toString('hex');
    const file = join(o.root, '.qms', 'mcp', `${o.name}.serve.token`);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    process.stderr.write(`${o.label}: no QMS_MCP_TOKEN given; generated one in ${file}\n`);
  }
  const { startHttpHost } = await import('./http-host.js');
  const host = await startHttpHost({ createServer: o.createServer, port, token, ...(o.hosts ? { hosts: o.hosts } : {}) });
  process.stdout.write(`${o.label}: serving ${o.describe} at ${host.urls.join(', ')}\n`);
  await untilSignal((signal) => process.stdout.write(`${o.label}: ${signal}, shutting down\n`));
  await host.close();
  return 0;
}

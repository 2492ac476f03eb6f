/**
 * `qms serve qms-mcp --project-root DIR [--user claude] [--transport http|stdio] [--host H]… [--port 8000]`:
 * runs the built-in QMS MCP server in the foreground until SIGTERM/SIGINT (http) or stdin
 * closes (stdio). The bearer token comes from env `QMS_MCP_TOKEN` (never argv); without it one
 * is generated and written 0600 to `<root>/.qms/mcp/qms.token` (its path is printed, not it).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QmsError } from '../../tasks/errors.js';
import { endpointTokenFile } from '../mcp-server/endpoint.js';
import { openQmsProject } from './qms-project.js';

const USAGE = 'qms serve qms-mcp --project-root DIR [--user claude] [--transport http|stdio] [--host H]... [--port 8000]';

export async function serve(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'project-root': { type: 'string' },
        user: { type: 'string', default: 'claude' },
        transport: { type: 'string', default: 'http' },
        host: { type: 'string', multiple: true },
        port: { type: 'string', default: '8000' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new QmsError(`qms serve qms-mcp: ${(err as Error).message}`, `Usage: ${USAGE}`);
  }
  const root = resolve(values['project-root'] ?? process.cwd());
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new QmsError(`invalid --port ${values.port}`, 'Pass a TCP port number (0-65535).');
  if (values.transport !== 'http' && values.transport !== 'stdio') throw new QmsError(`invalid --transport ${values.transport}`, 'Use --transport http or --transport stdio.');
  await openQmsProject(root); // fail now, not on the first tool call, when the root is wrong
  const { createQmsMcpServer } = await import('./server.js');
  const createServer = () => createQmsMcpServer({ projectRoot: root, user: values.user });

  if (values.transport === 'stdio') {
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const server = await createServer();
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((r) => (transport.onclose = r));
    await server.connect(transport);
    process.stdin.once('end', () => void server.close());
    await closed;
    return 0;
  }

  let token = process.env.QMS_MCP_TOKEN ?? '';
  delete process.env.QMS_MCP_TOKEN; // nothing this process starts should inherit it
  if (!token) {
    token = randomBytes(32).toString('hex');
    const file = endpointTokenFile(root, 'qms');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    process.stderr.write(`qms-mcp: no QMS_MCP_TOKEN given; generated one in ${file}\n`);
  }
  const { startHttpHost } = await import('../mcp-server/http-host.js');
  const host = await startHttpHost({ createServer, port, token, ...(values.host ? { hosts: values.host } : {}) });
  process.stdout.write(`qms-mcp: serving ${root} for user ${values.user} at ${host.urls.join(', ')}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.stdout.write(`qms-mcp: ${signal}, shutting down\n`);
      resolveStop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await host.close();
  return 0;
}

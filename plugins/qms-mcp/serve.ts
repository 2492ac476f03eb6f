/**
 * `qms serve qms-mcp --project-root DIR [--user claude] [--transport http|stdio] [--host H]… [--port 8000]`:
 * runs the built-in QMS MCP server in the foreground until SIGTERM/SIGINT (http) or stdin
 * closes (stdio). The bearer token comes from env `QMS_MCP_TOKEN` (never argv); without it one
 * is generated and written 0600 to `<root>/.qms/mcp/qms.serve.token` (its path is printed, not it).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QmsError } from '../../tasks/errors.js';
import { checkTransportArgs, serveTransport } from '../mcp-server/serve-transport.js';
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
  checkTransportArgs(values.port, values.transport);
  await openQmsProject(root); // fail now, not on the first tool call, when the root is wrong
  const { createQmsMcpServer } = await import('./server.js');
  return serveTransport({
    name: 'qms',
    label: 'qms-mcp',
    root,
    transport: values.transport,
    port: values.port,
    hosts: values.host,
    defaultIdentity: values.user,
    createServer: (identity) => createQmsMcpServer({ projectRoot: root, user: identity }),
    describe: `${root} for user ${values.user}`,
  });
}

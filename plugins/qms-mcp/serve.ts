/**
 * `qms serve qms-mcp --project-root DIR [--user claude] [--backend auto|qms-cli|builtin]
 * [--qms-cli PATH] [--python PATH] [--transport http|stdio] [--host H]… [--port 8000]`:
 * runs the QMS MCP server in the foreground until SIGTERM/SIGINT (http) or stdin closes
 * (stdio), on qms-cli when the project has it (else the built-in backend). Tokens come from env
 * `QMS_MCP_TOKEN` (acting as `--user`) and `QMS_MCP_TOKENS` (never argv); without them one is
 * generated and written 0600 to `<root>/.qms/mcp/qms.serve.token` (its path is printed, not it).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QmsError } from '../../tasks/errors.js';
import { checkTransportArgs, serveTransport } from '../mcp-server/serve-transport.js';
import { chooseBackend, parseBackendName } from './choose-backend.js';
import { validateUser } from './doc-id.js';
import { openQmsProject } from './qms-project.js';

const USAGE = 'qms serve qms-mcp --project-root DIR [--user claude] [--backend auto|qms-cli|builtin] [--qms-cli PATH] [--python PATH] [--transport http|stdio] [--host H]... [--port 8000]';

export async function serve(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'project-root': { type: 'string' },
        user: { type: 'string', default: 'claude' },
        backend: { type: 'string' },
        'qms-cli': { type: 'string' },
        python: { type: 'string' },
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
  validateUser(values.user);
  await openQmsProject(root); // fail now, not on the first tool call, when the root is wrong
  const backend = await chooseBackend(root, {
    backend: parseBackendName(values.backend),
    ...(values['qms-cli'] ? { script: values['qms-cli'] } : {}),
    ...(values.python ? { python: values.python } : {}),
  });
  const common = { name: 'qms', label: 'qms-mcp', root, transport: values.transport, port: values.port, hosts: values.host, defaultIdentity: values.user };
  if (backend.kind === 'qms-cli') {
    const { cli } = backend;
    const { createQmsCliServer } = await import('./qms-cli-server.js');
    return serveTransport({
      ...common,
      createServer: (identity) => createQmsCliServer(cli, identity),
      describe: `${root} through qms-cli (${cli.python} ${cli.script}), default user ${values.user}`,
    });
  }
  const { createQmsMcpServer } = await import('./server.js');
  return serveTransport({
    ...common,
    createServer: (identity) => createQmsMcpServer({ projectRoot: root, user: identity }),
    describe: `${root} for user ${values.user}`,
  });
}

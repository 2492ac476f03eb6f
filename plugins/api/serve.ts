/**
 * `qms serve api [--port 9000] [--host 127.0.0.1]… [--config FILE] [--project-root DIR]`: the
 * project API and its dashboard in the foreground until SIGTERM/SIGINT (also what `api()` runs
 * in the background under `qms up`). The project is the config's, found as every command finds
 * it — from DIR when given — and read again on every call. The token comes from env
 * `QMS_API_TOKEN` (read once, then deleted, so nothing this process starts inherits it); without
 * it one is generated into a 0600 file, `.qms/api/serve.token`, whose path is printed — never
 * the token.
 */
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../tasks/errors.js';
import { ensureQmsSubdir } from '../../tasks/state/qms-dir.js';
import { packageVersion } from '../mcp-server/package-root.js';
import { LiveProject, openApiProject } from './api-project.js';

const USAGE = 'qms serve api [--port 9000] [--host 127.0.0.1]... [--config FILE] [--project-root DIR]';

/** The token file `qms serve api` writes when no QMS_API_TOKEN is given. */
export const apiTokenFile = async (root: string): Promise<string> => join(await ensureQmsSubdir(root, 'api'), 'serve.token');

function parse(argv: readonly string[]): { port: number; hosts: string[] | undefined; config: string | undefined; projectRoot: string | undefined } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string', default: '9000' }, host: { type: 'string', multiple: true }, config: { type: 'string' }, 'project-root': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(`qms serve api: ${(err as Error).message}`, `Usage: ${USAGE}`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid --port ${values.port}`, 'Pass a TCP port number (0-65535).');
  return { port, hosts: values.host, config: values.config, projectRoot: values['project-root'] };
}

export async function serve(argv: readonly string[]): Promise<number> {
  const { port, hosts, config, projectRoot } = parse(argv);
  const given = process.env.QMS_API_TOKEN ?? '';
  delete process.env.QMS_API_TOKEN;
  if (projectRoot !== undefined) {
    try {
      process.chdir(projectRoot); // the config is found from there, as `qms` run in it finds it
    } catch (err) {
      throw new ConfigError(`--project-root ${projectRoot}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'Pass the project folder (the one holding qms.config.ts).');
    }
  }
  const project = await openApiProject(config);
  let token = given;
  if (!token) {
    token = randomBytes(32).toString('hex');
    const file = await apiTokenFile(project.config.root);
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    process.stderr.write(`qms-api: no QMS_API_TOKEN given; generated one in ${file}\n`);
  }
  project.redactor.add(token);
  const { startApiServer } = await import('./server.js');
  const live = new LiveProject(project, config, [token]);
  const server = await startApiServer({ project: live, token, port, ...(hosts ? { hosts } : {}), version: packageVersion() });
  process.stdout.write(`qms-api: serving ${project.config.root} (agents: ${project.config.agents.join(', ')}) at ${server.urls.join(', ')} (dashboard at /, API under /api/)\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.stdout.write(`qms-api: ${signal}, shutting down\n`);
      resolveStop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  return 0;
}

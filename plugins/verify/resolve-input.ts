/**
 * Where verify gets what it checks. In `qms up`: the container, session and MCP endpoints are
 * the results of the tasks it depends on. In `qms verify` (another process): the container is
 * found by its labels, the endpoints from the MCP servers' state records and token files, and
 * the evidence goes into the CURRENT_SESSION folder — the session of the running agent, which
 * is what the re-verification is evidence for.
 */
import { join } from 'node:path';
import type { PluginContext, TaskContext } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import { connectDocker } from '../docker-engine/client.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { loadEndpointForTask } from '../mcp-server/load-endpoint.js';
import { projectFilter } from '../container/names.js';
import type { ContainerResult } from '../container/ensure.js';
import type { SessionResult } from '../session/create-session.js';
import { readCurrentSession } from '../session/write-current-session.js';
import { checkSessionDir } from './write-report.js';

async function recordedEndpoint(ctx: PluginContext, task: string): Promise<McpEndpoint> {
  const ep = await loadEndpointForTask(ctx, task);
  if (!ep) throw new QmsError(`verify: the MCP server of task ${task} is not running.`, 'Start everything with `qms up`.');
  return ep;
}

export async function endpointsFor(ctx: PluginContext | TaskContext, tasks: readonly string[]): Promise<McpEndpoint[]> {
  return Promise.all(
    tasks.map(async (task) => {
      const fromRun = 'result' in ctx ? ctx.result<McpEndpoint>(task) : undefined;
      return fromRun && typeof fromRun.token === 'string' && typeof fromRun.containerUrl === 'string' ? fromRun : recordedEndpoint(ctx, task);
    }),
  );
}

/** The running managed container of this project and agent. */
export async function findContainer(ctx: PluginContext, agent: string): Promise<string> {
  const docker = await connectDocker(ctx.env);
  const running = await docker.listContainers({ filters: { ...projectFilter(ctx.root, agent), status: ['running'] } });
  const first = running[0];
  if (!first) {
    throw new QmsError(`verify: no running ${agent} container for ${ctx.root}.`, 'Start it with `qms up` (or `qms up --no-attach`).');
  }
  return first.Id;
}

export async function containerFor(ctx: PluginContext | TaskContext, agent: string, task: string): Promise<string> {
  const fromRun = 'result' in ctx ? ctx.result<ContainerResult>(task) : undefined;
  return fromRun?.id ?? findContainer(ctx, agent);
}

export async function sessionFor(ctx: PluginContext | TaskContext, task: string): Promise<{ id: string; dir: string }> {
  const fromRun = 'result' in ctx ? ctx.result<SessionResult>(task) : undefined;
  if (fromRun?.id && fromRun.dir) return fromRun;
  const sessions = join(ctx.root, '.claude', 'sessions');
  const id = await readCurrentSession(sessions);
  if (!id) throw new QmsError(`verify: no current session (${join(sessions, 'CURRENT_SESSION')} is missing or invalid).`, 'Run `qms up`, which starts a session.');
  const dir = join(sessions, id);
  // CURRENT_SESSION and the folder are the agent's to write: refuse a symlinked folder up front
  // (writeReport checks again when it writes).
  await checkSessionDir(dir);
  return { id, dir };
}

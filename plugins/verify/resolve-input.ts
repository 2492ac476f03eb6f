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
import { loadEndpoint, loadEndpointForTask } from '../mcp-server/load-endpoint.js';
import { LABEL, projectFilter } from '../container/names.js';
import type { ContainerResult } from '../container/ensure.js';
import type { SessionResult } from '../session/create-session.js';
import { readCurrentSession } from '../session/write-current-session.js';
import { checkSessionDir } from './write-report.js';

async function recordedEndpoint(ctx: PluginContext, task: string, agent: string): Promise<McpEndpoint> {
  const ep = await loadEndpointForTask(ctx, task, agent);
  if (!ep) {
    const running = await loadEndpointForTask(ctx, task);
    if (running) throw new QmsError(`verify: the MCP server of task ${task} serves no agent ${agent}.`, 'Restart the servers for the config\'s roster: `qms down`, then `qms up`.');
    throw new QmsError(`verify: the MCP server of task ${task} is not running.`, 'Start everything with `qms up`.');
  }
  return ep;
}

/** `agent`'s endpoints (its own tokens): the servers this run started or reused, else the recorded ones. */
export async function endpointsFor(ctx: PluginContext | TaskContext, tasks: readonly string[], agent: string): Promise<McpEndpoint[]> {
  return Promise.all(
    tasks.map(async (task) => {
      const fromRun = 'result' in ctx ? ctx.result<McpEndpoint>(task) : undefined;
      const own = fromRun && typeof fromRun.name === 'string' ? await loadEndpoint(ctx, fromRun.name, agent) : undefined;
      if (own) return own;
      // An endpoint task qms does not supervise (no record) stands only for the roster's first agent.
      const usable = fromRun && typeof fromRun.token === 'string' && typeof fromRun.containerUrl === 'string';
      if (usable && agent === ctx.config.agents[0] && !(await loadEndpointForTask(ctx, task))) return fromRun;
      return recordedEndpoint(ctx, task, agent);
    }),
  );
}

/** The running managed container of this project and agent. */
export async function findContainer(ctx: PluginContext, agent: string): Promise<string> {
  const docker = await connectDocker(ctx.env);
  const running = await docker.listContainers({ filters: { ...projectFilter(ctx.root, agent), status: ['running'] } });
  const first = running[0];
  if (!first) {
    throw new QmsError(`verify: ${agent} is not up (no running container of ${agent} for ${ctx.root}).`, `Start it: \`qms up ${agent}\` (or \`qms up --no-attach ${agent}\`).`);
  }
  return first.Id;
}

/** The roster's agents whose containers run (for `qms verify` without agents); an error when none does. */
export async function runningAgents(ctx: PluginContext): Promise<string[]> {
  const docker = await connectDocker(ctx.env);
  const running = await docker.listContainers({ filters: { ...projectFilter(ctx.root), status: ['running'] } });
  const up = new Set(running.map((c) => c.Labels[LABEL.agent]));
  const agents = ctx.config.agents.filter((a) => up.has(a));
  if (agents.length === 0) {
    const first = ctx.config.agents[0] ?? 'claude';
    throw new QmsError(`verify: no agent of this project is up (agents: ${ctx.config.agents.join(', ')}).`, `Start them: \`qms up\` (or \`qms up ${first}\`).`);
  }
  return agents;
}

/**
 * `agent`'s container: from the container task's results in this run (one per agent), else the
 * running one. `fresh`: this run created it, so no process of the agent has run in it yet.
 */
export async function containerFor(ctx: PluginContext | TaskContext, agent: string, task: string): Promise<{ id: string; fresh: boolean }> {
  const fromRun = 'result' in ctx ? ctx.result<ContainerResult[] | ContainerResult>(task) : undefined;
  const results = Array.isArray(fromRun) ? fromRun : fromRun ? [fromRun] : [];
  const mine = results.find((r) => r.agent === agent);
  return mine ? { id: mine.id, fresh: mine.created } : { id: await findContainer(ctx, agent), fresh: false };
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

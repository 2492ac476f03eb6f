/**
 * The API's changing calls — ensure, refresh, stop — each holding its agent and (shared with
 * the API's other calls) the project's run lock (./run-lock.ts), and each through the code the
 * CLI runs: ensure = `qms up <agent> --no-attach` (the engine's `up`
 * chain), refresh and stop = the container plugin's own `refresh` / `stop` commands, found on
 * the config's plugins (so their options are the ones `qms refresh` uses). Each publishes an
 * `agent` event with the container's new state.
 */
import { findRunningContainer } from '../container/operations.js';
import type { PluginCommand, PluginContext } from '../../tasks/types.js';
import type { RunEvent } from '../../tasks/run/events.js';
import { ApiError } from './api-error.js';
import type { ApiProject } from './api-project.js';
import { runUpChain } from './ensure-run.js';
import type { EventFeed } from './event-feed.js';
import type { AgentLocks } from './run-lock.js';

export interface ActionDeps {
  /** The project as loaded for this request. */
  project: ApiProject;
  locks: AgentLocks;
  feed: EventFeed;
  /** Aborted when the service stops: a run in progress is interrupted (its teardowns run). */
  signal: AbortSignal;
}

const now = (): string => new Date().toISOString();

function containerCommand(ctx: PluginContext, name: 'refresh' | 'stop'): PluginCommand {
  const command = ctx.config.plugins.find((p) => p.name === 'container')?.commands?.[name];
  if (!command) throw new ApiError(400, 'no-container-plugin', `this project's config has no container plugin (no \`${name}\` command)`, `Add container() to the plugins in ${ctx.config.file}.`);
  return command;
}

/** The agent's running container, as seed 004 returns it: `{ container_id, status }`. */
async function containerOf(ctx: PluginContext, agent: string): Promise<{ container_id: string; status: string }> {
  const { id } = await findRunningContainer(ctx, agent);
  return { container_id: id.slice(0, 12), status: 'running' };
}

export async function ensureAgent(d: ActionDeps, agent: string): Promise<{ container_id: string; status: string; tasks: Record<string, string> }> {
  return d.locks.run(d.project.state, agent, `ensure ${agent}`, async () => {
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'ensure', phase: 'start' });
    const onEvent = (e: RunEvent): void => d.feed.publish({ ...e, agent });
    const result = await runUpChain(d.project, agent, onEvent, d.signal);
    const tasks = Object.fromEntries(result.status);
    if (!result.ok) {
      const reasons = result.failures.map((f) => `${f.task}: ${f.reason}`).join('; ');
      d.feed.publish({ type: 'agent', time: now(), agent, action: 'ensure', phase: 'failed' });
      throw new ApiError(500, 'run-failed', `qms up ${agent} failed: ${reasons || 'interrupted'}`, result.failures.find((f) => f.hint)?.hint ?? 'See the task events on GET /api/events, or run `qms up` in a terminal.');
    }
    const out = await containerOf(d.project.pluginContext(d.signal), agent);
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'ensure', phase: 'done', state: out.status });
    return { ...out, tasks };
  });
}

export async function refreshAgent(d: ActionDeps, agent: string): Promise<{ container_id: string; status: string }> {
  return d.locks.run(d.project.state, agent, `refresh ${agent}`, async () => {
    const ctx = d.project.pluginContext(d.signal);
    await findRunningContainer(ctx, agent); // refresh recreates a running container; a missing one is `ensure`'s job
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'refresh', phase: 'start' });
    await containerCommand(ctx, 'refresh').run(ctx, [agent], {});
    const { container_id } = await containerOf(ctx, agent);
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'refresh', phase: 'done', state: 'running' });
    return { container_id, status: 'refreshed' };
  });
}

export async function stopAgent(d: ActionDeps, agent: string): Promise<{ status: 'stopped' }> {
  return d.locks.run(d.project.state, agent, `stop ${agent}`, async () => {
    const ctx = d.project.pluginContext(d.signal);
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'stop', phase: 'start' });
    await containerCommand(ctx, 'stop').run(ctx, [agent], {});
    d.feed.publish({ type: 'agent', time: now(), agent, action: 'stop', phase: 'done', state: 'absent' });
    return { status: 'stopped' };
  });
}

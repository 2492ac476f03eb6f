/**
 * Container manager operations as plain functions (the commands and tasks are thin wrappers):
 * find an agent's container, exec in it, attach to it, refresh it.
 */
import { connectDocker } from '../docker-engine/client.js';
import type { PluginContext } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import { attachExec, type AttachIo } from './attach.js';
import { loadRecordedEndpoint } from './endpoints.js';
import { ensureContainer, type EnsureOutcome } from './ensure.js';
import { execIn, type ExecOptions } from './exec.js';
import { containerName, projectFilter, stateId } from './names.js';
import type { ResolvedContainerOptions } from './options.js';

/** The running container of `agent`, or a clear error saying how to start it. */
export async function findRunningContainer(ctx: PluginContext, agent: string): Promise<{ id: string; name: string }> {
  const docker = await connectDocker(ctx.env);
  const [found] = await docker.listContainers({ all: true, filters: projectFilter(ctx.root, agent) });
  const name = containerName(ctx.config.name, agent);
  if (!found) throw new QmsError(`${agent} is not up (no container ${name}).`, `Start it: \`qms up ${agent}\`.`);
  if (found.State !== 'running') throw new QmsError(`${agent} is not up (container ${name} is ${found.State}).`, `Start it: \`qms up ${agent}\`.`);
  return { id: found.Id, name: (found.Names[0] ?? name).replace(/^\//, '') };
}

export async function execCommand(ctx: PluginContext, agent: string, cmd: readonly string[], io: ExecOptions): Promise<number> {
  const { id } = await findRunningContainer(ctx, agent);
  return execIn(await connectDocker(ctx.env), id, cmd, io);
}

export async function attachAgent(ctx: PluginContext, agent: string, cmd: readonly string[], io: AttachIo): Promise<number> {
  const { id } = await findRunningContainer(ctx, agent);
  return attachExec(await connectDocker(ctx.env), id, cmd.length > 0 ? cmd : ['claude'], io);
}

/**
 * Recreate the agent's container from scratch (seed 004's refresh), outside a run: the image the
 * container was last created from (its state record: the image task's tag may differ from the
 * `image` option), else the option; the MCP endpoints from their state records. The workspace
 * (host folder) and the auth volume are kept.
 */
export async function refreshContainer(ctx: PluginContext, opts: ResolvedContainerOptions): Promise<EnsureOutcome> {
  const endpoints = await Promise.all(opts.mcpServers.map((task) => loadRecordedEndpoint(ctx, task, opts.agent)));
  const recorded = (await ctx.state.get(stateId(opts.agent)))?.data.image;
  const image = typeof recorded === 'string' && recorded ? recorded : opts.image;
  return ensureContainer(ctx, { opts, endpoints, image, force: true });
}

/**
 * Stop and remove every managed container of the project (by label, so it works from any
 * process and after a lost state file); the auth volume only when asked (`--volumes`).
 * Safe to run twice; cleans the state entries and the generated overlays (they hold tokens).
 */
import { rm } from 'node:fs/promises';
import { connectDocker } from '../docker-engine/client.js';
import type { PluginContext } from '../../tasks/types.js';
import { agentPaths } from './host-paths.js';
import { CONTAINER_STATE_KIND, LABEL, projectFilter } from './names.js';
import { removeAgentNetwork, removeEgress } from './egress/egress-container.js';

export interface DownResult {
  containers: string[];
  volumes: string[];
  /** The removed agents' networks, and the egress proxy and its way out with the project's last agent container. */
  egress: string[];
}

const gone = (err: unknown): boolean => [304, 404, 409].includes((err as { statusCode?: number }).statusCode ?? 0);

/** Remove one container (stop first, so its init forwards SIGTERM); absent is fine. */
export async function removeContainer(ctx: PluginContext, id: string): Promise<void> {
  const docker = await connectDocker(ctx.env);
  const c = docker.getContainer(id);
  await c.stop({ t: 10 }).catch((err: unknown) => {
    if (!gone(err)) throw err;
  });
  await c.remove({ force: true }).catch((err: unknown) => {
    if (!gone(err)) throw err;
  });
}

export async function downContainers(ctx: PluginContext, options: { volumes?: boolean; agent?: string } = {}): Promise<DownResult> {
  const docker = await connectDocker(ctx.env);
  const listed = await docker.listContainers({ all: true, filters: projectFilter(ctx.root, options.agent) });
  await Promise.all(listed.map((c) => removeContainer(ctx, c.Id)));
  const volumes: string[] = [];
  if (options.volumes) {
    const { Volumes } = await docker.listVolumes({ filters: projectFilter(ctx.root, options.agent) });
    for (const v of Volumes ?? []) {
      await docker.getVolume(v.Name).remove().catch((err: unknown) => {
        if (!gone(err)) throw err;
      });
      volumes.push(v.Name);
    }
  }
  const agents = new Set(listed.map((c) => c.Labels[LABEL.agent] ?? ''));
  for (const entry of await ctx.state.list({ kind: CONTAINER_STATE_KIND, plugin: 'container' })) {
    const agent = String(entry.data.agent ?? '');
    if (!options.agent || agent === options.agent) {
      agents.add(agent);
      await ctx.state.remove(entry.id);
    }
  }
  if (options.agent) agents.add(options.agent);
  for (const agent of agents) if (agent) await rm(agentPaths(ctx.root, agent).overlayDir, { recursive: true, force: true });
  const remaining = await docker.listContainers({ all: true, filters: projectFilter(ctx.root) });
  const egress = remaining.length === 0 ? await removeEgress(ctx, docker) : (await Promise.all([...agents].filter(Boolean).map((a) => removeAgentNetwork(ctx, docker, a)))).flat();
  return { containers: listed.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')), volumes, egress };
}

/**
 * What the API reports about agents, read from the container plugin's own status code (one
 * implementation with `qms status`): the roster with each agent's container state, health,
 * image, age and seed 004's refresh criteria with the verdict; and seed 004's stats fields for
 * one agent (memory in MB from the same cgroup/stats sources, disk % of the workspace).
 */
import { totalmem } from 'node:os';
import { connectDocker } from '../docker-engine/client.js';
import { readCgroupSample } from '../container/cgroup-usage.js';
import { containerStatuses, type ContainerStatus } from '../container/status.js';
import { REFRESH_LIMITS } from '../container/status.js';
import { stateId } from '../container/names.js';
import type { PluginContext } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import { rosterAgent } from '../container/roster.js';
import { ApiError } from './api-error.js';

/** `agent` when it is in the roster (the container plugin's one check); 404 naming the roster otherwise. */
export function rosterAgentOr404(ctx: PluginContext, agent: string): string {
  try {
    return rosterAgent(ctx, agent);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ApiError(404, 'unknown-agent', err.message.slice(0, 300), err.hint ?? `Use one of ${ctx.config.agents.join(', ')}.`, err);
  }
}

export interface AgentView {
  agent: string;
  /** `absent` when the agent has no container. */
  state: string;
  health: string;
  container: { id: string; name: string } | null;
  image: string | null;
  age_hours: number | null;
  memory_percent: number | null;
  cpu_percent: number | null;
  disk_usage_percent: number | null;
  refresh: { criteria: typeof REFRESH_LIMITS; reasons: string[]; verdict: 'ok' | 'refresh' | 'unknown' };
  unmasked_secrets: string[];
}

/** The image tag the container was created from (its state record), else what Docker says (the image id). */
async function imageOf(ctx: PluginContext, s: ContainerStatus | undefined): Promise<string | null> {
  if (!s) return null;
  const recorded = (await ctx.state.get(stateId(s.agent)))?.data;
  return recorded?.containerId === s.id && typeof recorded.image === 'string' && recorded.image ? recorded.image : s.image;
}

function view(agent: string, s: ContainerStatus | undefined, image: string | null): AgentView {
  return {
    agent,
    state: s?.state ?? 'absent',
    health: s?.health ?? 'none',
    container: s ? { id: s.id.slice(0, 12), name: s.name } : null,
    image,
    age_hours: s?.ageHours ?? null,
    memory_percent: s?.memoryPercent ?? null,
    cpu_percent: s?.cpuPercent ?? null,
    disk_usage_percent: s?.diskPercent ?? null,
    refresh: { criteria: REFRESH_LIMITS, reasons: s?.refreshReasons ?? [], verdict: !s ? 'unknown' : s.refreshReasons.length > 0 ? 'refresh' : 'ok' },
    unmasked_secrets: s?.unmaskedSecrets ?? [],
  };
}

/** Every roster agent, in roster order (containers of agents no longer in the roster are left out). */
export async function listAgents(ctx: PluginContext): Promise<AgentView[]> {
  const statuses = await containerStatuses(ctx);
  return Promise.all(ctx.config.agents.map(async (agent) => {
    const s = statuses.find((c) => c.agent === agent);
    return view(agent, s, await imageOf(ctx, s));
  }));
}

export interface AgentStats {
  status: string;
  age_hours: number;
  memory_usage_mb: number | null;
  memory_limit_mb: number | null;
  memory_percent: number | null;
  disk_usage_percent: number | null;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100;

/** Seed 004's `get_container_stats` for one agent; 404 when it has no container. */
export async function agentStats(ctx: PluginContext, agent: string): Promise<AgentStats> {
  const s = (await containerStatuses(ctx)).find((c) => c.agent === agent);
  if (!s) throw new ApiError(404, 'not-up', `${agent} has no container`, `Start it: POST /api/agents/${agent}/ensure (or \`qms up ${agent}\`).`);
  let usage: { memory: number; limit: number } | undefined;
  if (s.state === 'running') {
    const sample = await readCgroupSample(s.id);
    if (sample) usage = { memory: sample.memory, limit: sample.memoryLimit ?? totalmem() }; // unlimited: the host's memory, as `qms status`
    else {
      const docker = await connectDocker(ctx.env);
      const st = (await docker.getContainer(s.id).stats({ stream: false })) as { memory_stats?: { usage?: number; limit?: number } };
      usage = { memory: st.memory_stats?.usage ?? 0, limit: st.memory_stats?.limit ?? 0 };
    }
  }
  return {
    status: s.state,
    age_hours: s.ageHours,
    memory_usage_mb: usage ? mb(usage.memory) : null,
    memory_limit_mb: usage && usage.limit > 0 ? mb(usage.limit) : null,
    memory_percent: usage && usage.limit > 0 ? Math.round((usage.memory / usage.limit) * 10000) / 100 : null,
    disk_usage_percent: s.diskPercent,
  };
}

/**
 * Live status of the project's managed containers (found by label, not trusted from state):
 * state, health, age, memory %, CPU %, disk % of the workspace, and seed 004's refresh
 * criteria (age > 72 h, disk > 80 %, memory > 90 %), plus any host secret file (`.env*`)
 * created since the container started and therefore not masked in it (not healthy: `qms up`
 * recreates it). State entries whose container is gone are reported as `stale` and removed.
 */
import type Docker from 'dockerode';
import { statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { readCgroupSample } from './cgroup-usage.js';
import { connectDocker, engineSocket } from '../docker-engine/client.js';
import type { PluginContext, StatusRow } from '../../tasks/types.js';
import { inContainer } from './container-paths.js';
import { agentPaths } from './host-paths.js';
import { findSecretFiles } from './secret-files.js';
import { CONTAINER_STATE_KIND, LABEL, projectFilter, stateId } from './names.js';
import { egressStatusRows } from './egress/egress-status.js';

export const REFRESH_LIMITS = { ageHours: 72, diskPercent: 80, memoryPercent: 90 } as const;

export interface ContainerStatus {
  agent: string;
  name: string;
  id: string;
  /** Docker's state: running, exited, created… */
  state: string;
  /** healthy, unhealthy, starting, or none. */
  health: string;
  /** The image the container was created from, as named at creation (tag or id). */
  image: string;
  ageHours: number;
  memoryPercent: number | null;
  cpuPercent: number | null;
  diskPercent: number | null;
  /** Why seed 004 would recreate it; empty when none applies. */
  refreshReasons: string[];
  /** Host secret files (project-relative) the container does not mask: created after it started. */
  unmaskedSecrets: string[];
  /** Its egress: `deny` (only through the egress proxy) or `open`. */
  network: string;
}

interface Sample {
  cpu: number;
  system: number;
  onlineCpus: number;
  memory: number;
  memoryLimit: number;
}

async function sample(docker: Docker, id: string): Promise<Sample> {
  // one-shot: the engine answers at once instead of waiting a second for its own pre-sample.
  const s = (await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as {
    cpu_stats: { cpu_usage: { total_usage: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
    memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  };
  const cache = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? 0;
  return {
    cpu: s.cpu_stats.cpu_usage.total_usage,
    system: s.cpu_stats.system_cpu_usage ?? 0,
    onlineCpus: s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1,
    memory: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
    memoryLimit: s.memory_stats.limit ?? 0,
  };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Memory % and CPU % (100 % = one CPU) from the cgroup files, two samples `gapMs` apart. */
async function cgroupUsage(id: string, gapMs: number): Promise<{ memoryPercent: number | null; cpuPercent: number | null } | undefined> {
  const first = await readCgroupSample(id);
  if (!first) return undefined;
  await new Promise((r) => setTimeout(r, gapMs));
  const second = await readCgroupSample(id);
  if (!second) return undefined;
  const limit = second.memoryLimit ?? totalmem();
  const wallNs = Number(second.at - first.at);
  return {
    memoryPercent: round1((second.memory / limit) * 100),
    cpuPercent: wallNs > 0 ? round1(((second.cpuNs - first.cpuNs) / wallNs) * 100) : 0,
  };
}

/** Memory % and CPU % from the cgroup files of a local engine, else from two one-shot stats samples (docker stats' formula). */
async function usage(docker: Docker, id: string, gapMs: number, local: boolean): Promise<{ memoryPercent: number | null; cpuPercent: number | null }> {
  const fast = local ? await cgroupUsage(id, gapMs) : undefined;
  if (fast) return fast;
  const first = await sample(docker, id);
  await new Promise((r) => setTimeout(r, gapMs));
  const second = await sample(docker, id);
  const cpuDelta = second.cpu - first.cpu;
  const systemDelta = second.system - first.system;
  return {
    memoryPercent: second.memoryLimit > 0 ? round1((second.memory / second.memoryLimit) * 100) : null,
    cpuPercent: systemDelta > 0 ? round1((cpuDelta / systemDelta) * second.onlineCpus * 100) : 0,
  };
}

/** The workspace is a bind mount, so the host's statfs is what `df` shows inside (and works when stopped). */
async function diskPercent(path: string): Promise<number | null> {
  try {
    const s = await statfs(path);
    const used = s.blocks - s.bfree;
    const total = used + s.bavail;
    return total > 0 ? Math.ceil((used / total) * 100) : null;
  } catch {
    return null;
  }
}

export function refreshReasons(s: Pick<ContainerStatus, 'ageHours' | 'diskPercent' | 'memoryPercent'>): string[] {
  const reasons: string[] = [];
  if (s.ageHours > REFRESH_LIMITS.ageHours) reasons.push(`age ${s.ageHours.toFixed(1)} h > ${REFRESH_LIMITS.ageHours} h`);
  if (s.diskPercent !== null && s.diskPercent > REFRESH_LIMITS.diskPercent) reasons.push(`disk ${s.diskPercent}% > ${REFRESH_LIMITS.diskPercent}%`);
  if (s.memoryPercent !== null && s.memoryPercent > REFRESH_LIMITS.memoryPercent) reasons.push(`memory ${s.memoryPercent}% > ${REFRESH_LIMITS.memoryPercent}%`);
  return reasons;
}

export async function containerStatuses(ctx: PluginContext, options: { sampleGapMs?: number; statsApi?: boolean } = {}): Promise<ContainerStatus[]> {
  const docker = await connectDocker(ctx.env);
  const [listed, secretFiles] = await Promise.all([docker.listContainers({ all: true, filters: projectFilter(ctx.root) }), findSecretFiles(ctx.root)]);
  const local = !options.statsApi && engineSocket(ctx.env) !== undefined;
  return Promise.all(
    listed.map(async (c): Promise<ContainerStatus> => {
      const agent = c.Labels[LABEL.agent] ?? '?';
      const info = await docker.getContainer(c.Id).inspect();
      const running = info.State.Running;
      const [use, disk] = await Promise.all([
        running ? usage(docker, c.Id, options.sampleGapMs ?? 200, local) : Promise.resolve({ memoryPercent: null, cpuPercent: null }),
        diskPercent(agentPaths(ctx.root, agent).workspace),
      ]);
      const ageHours = round1((Date.now() - Date.parse(info.Created)) / 3_600_000);
      const status = { ageHours, diskPercent: disk, ...use };
      const mounted = new Set(info.Mounts.map((m) => m.Destination.replace(/\/$/, '')));
      return {
        agent,
        name: info.Name.replace(/^\//, ''),
        id: c.Id,
        state: info.State.Status,
        health: info.State.Health?.Status ?? 'none',
        image: info.Config.Image,
        ...status,
        refreshReasons: refreshReasons(status),
        unmaskedSecrets: secretFiles.filter((rel) => !mounted.has(inContainer(rel))),
        network: c.Labels[LABEL.network] ?? 'open',
      };
    }),
  );
}

/** The `status` hook: one row per managed container, plus one per stale record (then removed). */
export async function statusRows(ctx: PluginContext): Promise<StatusRow[]> {
  const [statuses, entries, egress] = await Promise.all([
    containerStatuses(ctx),
    ctx.state.list({ kind: CONTAINER_STATE_KIND, plugin: 'container' }),
    connectDocker(ctx.env).then((docker) => egressStatusRows(ctx, docker)),
  ]);
  const rows: StatusRow[] = statuses.map((s) => ({
    plugin: 'container',
    id: s.name,
    kind: 'container',
    state: s.state,
    healthy: s.state === 'running' && s.health !== 'unhealthy' && s.unmaskedSecrets.length === 0,
    details: {
      agent: s.agent,
      health: s.health,
      network: s.network,
      ageHours: s.ageHours,
      memoryPercent: s.memoryPercent,
      cpuPercent: s.cpuPercent,
      diskPercent: s.diskPercent,
      refresh: s.refreshReasons.length > 0 ? s.refreshReasons.join('; ') : null,
      unmaskedSecrets: s.unmaskedSecrets.length > 0 ? `${s.unmaskedSecrets.join(', ')} readable in the container (created after it started): \`qms up\` recreates it with them masked` : null,
    },
  }));
  for (const entry of entries) {
    const live = statuses.find((s) => stateId(s.agent) === entry.id && s.id === entry.data.containerId);
    if (live) continue;
    await ctx.state.remove(entry.id);
    rows.push({ plugin: 'container', id: String(entry.data.name ?? entry.id), kind: 'container', state: 'stale', healthy: false, details: { agent: String(entry.data.agent ?? '') } });
  }
  return [...rows, ...egress];
}

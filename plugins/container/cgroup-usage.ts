/**
 * Memory and CPU counters of a container read straight from the host's cgroup files when the
 * engine is local: the stats API makes every caller wait for the engine's 1-second collector
 * tick, which alone would blow `qms status`'s budget. Returns undefined when the files aren't
 * there (remote engine, other layouts); the caller then falls back to the stats API.
 */
import { readFile } from 'node:fs/promises';

export interface CgroupSample {
  /** Cumulative CPU time, ns. */
  cpuNs: number;
  /** Memory in use without the page cache, bytes. */
  memory: number;
  /** Limit in bytes, or undefined when unlimited. */
  memoryLimit: number | undefined;
  /** When it was taken (process.hrtime, ns). */
  at: bigint;
}

const BASE = '/sys/fs/cgroup';
const UNLIMITED = 2 ** 60;

const num = async (file: string): Promise<number> => Number((await readFile(file, 'utf8')).trim().split(/\s+/)[0]);
const statValue = (text: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

async function v1(id: string): Promise<CgroupSample> {
  const mem = `${BASE}/memory/docker/${id}`;
  const [cpuNs, usage, limit, stat] = await Promise.all([
    num(`${BASE}/cpuacct/docker/${id}/cpuacct.usage`),
    num(`${mem}/memory.usage_in_bytes`),
    num(`${mem}/memory.limit_in_bytes`),
    readFile(`${mem}/memory.stat`, 'utf8'),
  ]);
  return { cpuNs, memory: Math.max(0, usage - statValue(stat, 'total_inactive_file')), memoryLimit: limit >= UNLIMITED ? undefined : limit, at: process.hrtime.bigint() };
}

async function v2(dir: string): Promise<CgroupSample> {
  const [cpu, usage, max, stat] = await Promise.all([
    readFile(`${dir}/cpu.stat`, 'utf8'),
    num(`${dir}/memory.current`),
    readFile(`${dir}/memory.max`, 'utf8'),
    readFile(`${dir}/memory.stat`, 'utf8'),
  ]);
  const limit = max.trim() === 'max' ? undefined : Number(max.trim());
  return { cpuNs: statValue(cpu, 'usage_usec') * 1000, memory: Math.max(0, usage - statValue(stat, 'inactive_file')), memoryLimit: limit, at: process.hrtime.bigint() };
}

export async function readCgroupSample(id: string): Promise<CgroupSample | undefined> {
  for (const attempt of [() => v1(id), () => v2(`${BASE}/system.slice/docker-${id}.scope`), () => v2(`${BASE}/docker/${id}`)]) {
    try {
      return await attempt();
    } catch {
      // next layout
    }
  }
  return undefined;
}

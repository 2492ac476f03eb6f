/**
 * The limits the container must have: verify's `limits` option (give it the same value as the
 * container plugin's) resolved with the container plugin's own defaults and parsing, the CPU
 * count clamped to what the engine has, as the container plugin does.
 */
import type Docker from 'dockerode';
import { availableParallelism } from 'node:os';
import type { Env } from '../../tasks/types.js';
import { resolveOptions, type ContainerLimits } from '../container/options.js';
import type { ExpectedLimits } from './check-container-config.js';

export async function expectedLimits(docker: Docker, env: Env, limits: ContainerLimits | undefined): Promise<ExpectedLimits> {
  const resolved = resolveOptions(limits ? { limits } : {}).limits;
  const ncpu = env.DOCKER_HOST ? ((await docker.info()) as { NCPU?: number }).NCPU ?? resolved.cpus : availableParallelism();
  return { ...resolved, cpus: Math.min(resolved.cpus, ncpu) };
}

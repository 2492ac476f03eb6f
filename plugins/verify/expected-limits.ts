/**
 * The limits the container must have: verify's `limits` option (give it the same value as the
 * container plugin's) resolved with the container plugin's own defaults and parsing, the CPU
 * count clamped to what the engine has, as the container plugin does.
 */
import type Docker from 'dockerode';
import type { Env } from '../../tasks/types.js';
import { effectiveCpus } from '../container/engine-cpus.js';
import { resolveOptions, type ContainerLimits } from '../container/options.js';
import type { ExpectedLimits } from './check-container-config.js';

export async function expectedLimits(docker: Docker, env: Env, limits: ContainerLimits | undefined): Promise<ExpectedLimits> {
  const resolved = resolveOptions(limits ? { limits } : {}).limits;
  return { ...resolved, cpus: await effectiveCpus(docker, env, resolved.cpus) };
}

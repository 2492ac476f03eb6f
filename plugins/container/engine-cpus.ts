/**
 * The CPU limit a container actually gets: Docker refuses more CPUs than the engine has, so
 * the wanted count is clamped to the engine's. Shared by the container plugin (which applies
 * it) and verify (which expects it).
 */
import type Docker from 'dockerode';
import { availableParallelism } from 'node:os';
import type { Env } from '../../tasks/types.js';
import { engineSocket } from '../docker-engine/client.js';

export async function effectiveCpus(docker: Docker, env: Env, wanted: number): Promise<number> {
  // A local engine has this host's CPUs; a remote one is asked (one more API call).
  const ncpu = engineSocket(env) ? availableParallelism() : ((await docker.info()) as { NCPU?: number }).NCPU ?? wanted;
  return Math.min(wanted, ncpu);
}

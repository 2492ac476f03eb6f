/** Does the Docker engine answer, and with which engine and API version? */
import type { Env } from '../../tasks/types.js';
import { connectDocker } from '../docker-engine/client.js';
import { QmsError } from '../../tasks/errors.js';
import { fail, ok, type AuthCheck } from './check.js';

export async function checkDocker(env: Env): Promise<AuthCheck & { apiVersion?: string }> {
  try {
    const docker = await connectDocker(env);
    const version = await docker.version();
    return {
      ...ok('docker', `Docker engine ${version.Version} answers (API ${version.ApiVersion})`),
      apiVersion: version.ApiVersion,
    };
  } catch (err) {
    const hint = err instanceof QmsError && err.hint ? err.hint : 'Start the Docker engine, or set DOCKER_HOST to where it listens.';
    return fail('docker', (err as Error).message, hint);
  }
}

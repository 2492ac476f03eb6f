/**
 * Does the Docker engine answer, and with which engine and API version? Read from a ping's
 * headers when the engine is on a unix socket (engine-ping.ts), else from `GET /version`.
 */
import type { Env } from '../../tasks/types.js';
import { connectDocker } from '../docker-engine/client.js';
import { pingVersion } from '../docker-engine/engine-ping.js';
import { QmsError } from '../../tasks/errors.js';
import { fail, ok, type AuthCheck } from './check.js';

export async function checkDocker(env: Env): Promise<AuthCheck & { apiVersion?: string }> {
  try {
    const [docker, pinged] = await Promise.all([connectDocker(env), pingVersion(env)]);
    const version = pinged ?? (await docker.version());
    return {
      ...ok('docker', `Docker engine ${version.Version} answers (API ${version.ApiVersion})`),
      apiVersion: version.ApiVersion,
    };
  } catch (err) {
    const hint = err instanceof QmsError && err.hint ? err.hint : 'Start the Docker engine, or set DOCKER_HOST to where it listens.';
    return fail('docker', (err as Error).message, hint);
  }
}

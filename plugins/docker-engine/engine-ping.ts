/**
 * Does an engine answer? `GET /_ping` straight over its unix socket (no dockerode, so a
 * check costs milliseconds), or through dockerode for a remote `DOCKER_HOST`. The same answer
 * names the engine and its API version (its `Server` and `Api-Version` headers), which
 * `GET /version` would cost far more for: that endpoint runs `runc --version` and
 * `docker-init --version` on the engine's host each time.
 */
import { request } from 'node:http';
import type { Env } from '../../tasks/types.js';
import { connectDocker, engineSocket, engineSocketAgent } from './client.js';

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, agent: engineSocketAgent(), path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function engineAnswers(env: Env, timeoutMs = 3_000): Promise<boolean> {
  const socket = engineSocket(env);
  if (socket) return pingSocket(socket, timeoutMs);
  return connectDocker(env).then(
    () => true,
    () => false,
  );
}

/** The engine's version and API version, as `GET /version` gives them (`Version`, `ApiVersion`). */
export interface EngineVersion {
  Version: string;
  ApiVersion: string;
}

/** `Docker/20.10.24+dfsg1 (linux)` → `20.10.24+dfsg1`; anything else (another engine's server) is not read. */
const SERVER = /^Docker\/(\S+) \(/;

/**
 * The version and API version from the headers of a ping over the engine's unix socket, or
 * undefined when there is no socket, no answer, or headers not in Docker's form (then ask
 * `GET /version`).
 */
export function pingVersion(env: Env, timeoutMs = 3_000): Promise<EngineVersion | undefined> {
  const socketPath = engineSocket(env);
  if (!socketPath) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = request({ socketPath, agent: engineSocketAgent(), path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        const version = SERVER.exec(String(res.headers.server ?? ''))?.[1];
        const api = res.headers['api-version'];
        resolve(res.statusCode === 200 && version && typeof api === 'string' && /^\d+\.\d+$/.test(api) ? { Version: version, ApiVersion: api } : undefined);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Does an engine answer? `GET /_ping` straight over its unix socket (no dockerode, so a
 * check costs milliseconds), or through dockerode for a remote `DOCKER_HOST`. The same answer
 * names the engine and its API version (its `Server` and `Api-Version` headers), which
 * `GET /version` would cost far more for: that endpoint runs `runc --version` and
 * `docker-init --version` on the engine's host each time.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import type { Env } from '../../tasks/types.js';
import { connectDocker, engineSocket, engineSocketAgent } from './client.js';

/** `GET /_ping` over the engine's unix socket: its status and headers, or undefined without an answer. */
function pingSocket(socketPath: string, timeoutMs: number): Promise<{ status: number; headers: IncomingHttpHeaders } | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, agent: engineSocketAgent(), path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export async function engineAnswers(env: Env, timeoutMs = 3_000): Promise<boolean> {
  const socket = engineSocket(env);
  if (socket) return (await pingSocket(socket, timeoutMs))?.status === 200;
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
export async function pingVersion(env: Env, timeoutMs = 3_000): Promise<EngineVersion | undefined> {
  const socketPath = engineSocket(env);
  const answer = socketPath ? await pingSocket(socketPath, timeoutMs) : undefined;
  if (answer?.status !== 200) return undefined;
  const version = SERVER.exec(String(answer.headers.server ?? ''))?.[1];
  const api = answer.headers['api-version'];
  return version && typeof api === 'string' && /^\d+\.\d+$/.test(api) ? { Version: version, ApiVersion: api } : undefined;
}

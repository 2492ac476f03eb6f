/**
 * Does an engine answer? `GET /_ping` straight over its unix socket (no dockerode, so a
 * check costs milliseconds), or through dockerode for a remote `DOCKER_HOST`.
 */
import { request } from 'node:http';
import type { Env } from '../../tasks/types.js';
import { connectDocker, engineSocket } from './client.js';

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
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

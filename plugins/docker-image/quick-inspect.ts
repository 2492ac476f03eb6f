/**
 * The up-to-date check's fast path: one `GET /images/{tag}/json` straight over the engine's
 * unix socket with node:http. Loading dockerode costs about 250 ms, ten times the rest of the
 * check, and an unchanged image needs nothing else from the engine. Anything this path can't
 * answer (a non-unix DOCKER_HOST, no socket, an unexpected status) is `unavailable`, and the
 * caller goes through dockerode (`connectDocker`), which also gives the clear engine error.
 */
import { request } from 'node:http';
import type { Env } from '../../tasks/types.js';
import { engineSocket } from '../docker-engine/client.js';
import { HASH_LABEL, type ImageInfo } from './image-build.js';

export const UNAVAILABLE = 'unavailable';

export function quickInspect(env: Env, tag: string, timeoutMs = 5_000): Promise<ImageInfo | undefined | typeof UNAVAILABLE> {
  const socketPath = engineSocket(env);
  if (!socketPath) return Promise.resolve(UNAVAILABLE);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: `/images/${encodeURIComponent(tag)}/json`, method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(UNAVAILABLE));
      res.on('end', () => {
        if (res.statusCode === 404) return resolve(undefined);
        if (res.statusCode !== 200) return resolve(UNAVAILABLE);
        try {
          const info = JSON.parse(Buffer.concat(chunks).toString()) as { Id?: string; Config?: { Labels?: Record<string, string> | null } };
          if (typeof info.Id !== 'string') return resolve(UNAVAILABLE);
          resolve({ id: info.Id, hash: info.Config?.Labels?.[HASH_LABEL] });
        } catch {
          resolve(UNAVAILABLE);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(UNAVAILABLE));
    req.end();
  });
}

/**
 * Is there a plausible `GH_TOKEN` for `git push` / `gh` inside the container? Looked for in the
 * environment (process env overlaid by the config's .env files) and in `docker/.env`.
 * Missing or implausible is a warning, not an error: GitHub changes token formats now and then
 * and the environment works without push, so a shape check must never block a working set-up.
 */
import { join } from 'node:path';
import type { Env } from '../../tasks/types.js';
import { ok, warn, type AuthCheck } from './check.js';
import { tokenShape } from './gh-token-format.js';
import { readDotenv } from './read-dotenv.js';

export async function checkGhToken(root: string, env: Env, addSecret: (value: string) => void): Promise<AuthCheck> {
  const dockerEnv = await readDotenv(join(root, 'docker', '.env')).catch(() => undefined);
  const found: Array<{ source: string; value: string }> = [];
  if (env.GH_TOKEN) found.push({ source: 'the environment', value: env.GH_TOKEN });
  if (dockerEnv?.GH_TOKEN && dockerEnv.GH_TOKEN !== env.GH_TOKEN) found.push({ source: 'docker/.env', value: dockerEnv.GH_TOKEN });
  for (const { value } of found) addSecret(value);

  if (found.length === 0) {
    return warn(
      'gh-token',
      'GH_TOKEN is not set: `git push` and `gh` will not work inside the container.',
      'Put GH_TOKEN=<a GitHub token> in docker/.env (see docker/.env.example), then `chmod 600 docker/.env`.',
    );
  }
  const bad = found
    .map(({ source, value }) => ({ source, shape: tokenShape(value) }))
    .filter(({ shape }) => !shape.plausible);
  if (bad.length > 0) {
    return warn(
      'gh-token',
      bad.map(({ source, shape }) => `GH_TOKEN from ${source} ${shape.kind}`).join('; ') + ': `git push` will probably fail.',
      'Use a GitHub token as issued (ghp_…, github_pat_…), without quotes or spaces: https://github.com/settings/tokens',
    );
  }
  const described = found.map(({ source, value }) => `${tokenShape(value).kind} from ${source}`);
  return ok('gh-token', `GH_TOKEN: ${described.join(', ')}`);
}

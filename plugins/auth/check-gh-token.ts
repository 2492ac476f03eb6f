/**
 * Is there a plausible `GH_TOKEN` for `git push` / `gh` inside the container? Judged on the env
 * tasks see (process env overlaid on `.env` and the config's `envFiles`) because that is the
 * only place the container task takes it from. A `GH_TOKEN` sitting in a `docker/.env` the
 * config does not load reaches nobody, so it is reported as such with the fix, never as OK.
 * Missing or implausible is a warning, not an error: GitHub changes token formats now and then
 * and the environment works without push, so a shape check must never block a working set-up.
 */
import { join, resolve } from 'node:path';
import type { Env } from '../../tasks/types.js';
import { ok, warn, type AuthCheck } from './check.js';
import { tokenShape } from './gh-token-format.js';
import { readDotenv } from './read-dotenv.js';

const ROOT_ENV_HINT = 'Put GH_TOKEN=<a GitHub token> in .env at the project root (see docker/.env.example), then `chmod 600 .env`.';

export async function checkGhToken(
  root: string,
  env: Env,
  configEnvFiles: readonly string[],
  addSecret: (value: string) => void,
): Promise<AuthCheck> {
  const token = env.GH_TOKEN;
  if (token) {
    addSecret(token);
    const shape = tokenShape(token);
    if (!shape.plausible) {
      return warn(
        'gh-token',
        `GH_TOKEN ${shape.kind}: \`git push\` will probably fail.`,
        'Use a GitHub token as issued (ghp_…, github_pat_…), without quotes or spaces: https://github.com/settings/tokens',
      );
    }
    return ok('gh-token', `GH_TOKEN: ${shape.kind}`);
  }

  // Not in the env. docker/.env is where the seed projects keep it; the engine loads it only
  // when the config lists it in envFiles (and then it would be in env already).
  const dockerEnvFile = join(root, 'docker', '.env');
  const dockerLoaded = configEnvFiles.some((f) => resolve(root, f) === dockerEnvFile);
  const dockerToken = dockerLoaded ? undefined : (await readDotenv(dockerEnvFile).catch(() => undefined))?.GH_TOKEN;
  if (dockerToken) {
    addSecret(dockerToken);
    return warn(
      'gh-token',
      'GH_TOKEN is set in docker/.env, which this config does not load: the container gets no GH_TOKEN, `git push` and `gh` will not work inside it.',
      "Add envFiles: ['docker/.env'] to qms.config.ts, or move GH_TOKEN to .env at the project root.",
    );
  }
  return warn('gh-token', 'GH_TOKEN is not set: `git push` and `gh` will not work inside the container.', ROOT_ENV_HINT);
}

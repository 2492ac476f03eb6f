/**
 * The `build` task itself (loaded lazily by the plugin's factory): up-to-date check against the
 * image's `qms.build-hash` label, and the build when the hash differs or `--force` is given.
 * The base image is chosen first (base-choice.ts: it may build the local Debian base once).
 * The check lives in `run` rather than `upToDate` because a skipped build must still hand its
 * result (tag, image ID) to dependents, which only `ctx.skip(reason, result)` can do.
 */
import { connectDocker } from '../docker-engine/client.js';
import type { TaskContext } from '../../tasks/types.js';
import { chooseBase } from './base-choice.js';
import { shortHash } from './hash.js';
import { buildImage, inspectImage } from './image-build.js';
import { imageTag, type DockerImageOptions, type DockerImageResult } from './options.js';
import { planBuild, type BuildPlan } from './plan.js';
import { quickInspect, UNAVAILABLE } from './quick-inspect.js';

function skipUpToDate(ctx: TaskContext, plan: BuildPlan, id: string): never {
  const result: DockerImageResult = { tag: plan.tag, id, hash: plan.hash, built: false };
  return ctx.skip(`image ${plan.tag} is up to date (hash ${shortHash(plan.hash)})`, result);
}

/**
 * The task's `run`. When the tagged image already carries the context's hash (and no
 * `--force`), the task ends as skipped with `{ built: false }` as its result, so dependents
 * (the container) still learn the image's tag and ID. One walk + hash + one inspect call,
 * without loading dockerode when the engine is on a unix socket (see quick-inspect.ts).
 */
export async function buildTask(options: DockerImageOptions, ctx: TaskContext): Promise<DockerImageResult> {
  const base = await chooseBase(options, ctx.env, {
    info: (line) => ctx.log.info(line),
    output: (line) => ctx.log.output(`${line}\n`),
    signal: ctx.signal,
  });
  // The tag's image is asked for while the context is hashed (the two do not depend on each other).
  const asked = ctx.options.force ? undefined : quickInspect(ctx.env, imageTag(options));
  const plan = await planBuild(options, ctx.root, ctx.env, base.image);
  if (asked) {
    const quick = await asked;
    if (quick !== UNAVAILABLE && quick?.hash === plan.hash) skipUpToDate(ctx, plan, quick.id);
  }
  const docker = await connectDocker(ctx.env);
  const previous = await inspectImage(docker, plan.tag);
  if (!ctx.options.force && previous && previous.hash === plan.hash) skipUpToDate(ctx, plan, previous.id);
  ctx.log.info(
    `building ${plan.tag} from ${plan.dockerfileDisplay} (base ${plan.baseImage}, hash ${shortHash(plan.hash)}` +
      `${plan.networkMode ? `, network ${plan.networkMode}` : ''})`,
  );
  const id = await buildImage(docker, plan, { project: ctx.config.name, signal: ctx.signal, onLine: (line) => ctx.log.output(`${line}\n`) });
  ctx.log.info(`built ${plan.tag} (${id.replace(/^sha256:/, '').slice(0, 12)})`);
  if (previous && previous.id !== id) {
    // The tag moved on: drop the old image unless something (a container) still uses it.
    await docker
      .getImage(previous.id)
      .remove()
      .then(() => ctx.log.info(`removed the previous image ${previous.id.replace(/^sha256:/, '').slice(0, 12)}`))
      .catch(() => undefined);
  }
  return { tag: plan.tag, id, hash: plan.hash, built: true };
}

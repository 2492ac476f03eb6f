/**
 * The `build` task itself (loaded lazily by the plugin's factory): up-to-date check against the
 * image's `qms.build-hash` label, and the build when the hash differs or `--force` is given.
 */
import { connectDocker } from '../docker-engine/client.js';
import type { TaskContext } from '../../tasks/types.js';
import { shortHash } from './hash.js';
import { buildImage, inspectImage } from './image-build.js';
import type { DockerImageOptions, DockerImageResult } from './options.js';
import { planBuild, type BuildPlan } from './plan.js';

// upToDate and run of the same run share one plan (one walk and hash of the context).
const plans = new WeakMap<TaskContext, Promise<BuildPlan>>();

function planFor(options: DockerImageOptions, ctx: TaskContext): Promise<BuildPlan> {
  let plan = plans.get(ctx);
  if (!plan) {
    plan = planBuild(options, ctx.root, ctx.env);
    plans.set(ctx, plan);
  }
  return plan;
}

function upToDateReason(plan: BuildPlan): string {
  return `image ${plan.tag} is up to date (hash ${shortHash(plan.hash)})`;
}

/** The task's `upToDate`: a reason when the tagged image carries the context's hash. */
export async function imageUpToDate(options: DockerImageOptions, ctx: TaskContext): Promise<string | false> {
  if (ctx.options.force) return false;
  const plan = await planFor(options, ctx);
  const docker = await connectDocker(ctx.env);
  const image = await inspectImage(docker, plan.tag);
  return image?.hash === plan.hash ? upToDateReason(plan) : false;
}

/** The task's `run`: builds unless up to date (then `built: false`). */
export async function buildTask(options: DockerImageOptions, ctx: TaskContext): Promise<DockerImageResult> {
  const plan = await planFor(options, ctx);
  const docker = await connectDocker(ctx.env);
  const previous = await inspectImage(docker, plan.tag);
  if (!ctx.options.force && previous && previous.hash === plan.hash) {
    ctx.log.info(upToDateReason(plan));
    return { tag: plan.tag, id: previous.id, hash: plan.hash, built: false };
  }
  ctx.log.info(
    `building ${plan.tag} from ${plan.dockerfileDisplay} (base ${plan.baseImage}, hash ${shortHash(plan.hash)}` +
      `${plan.networkMode ? `, network ${plan.networkMode}` : ''})`,
  );
  const id = await buildImage(docker, plan, { project: ctx.config.name, signal: ctx.signal, onLine: (line) => ctx.log.output(line) });
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

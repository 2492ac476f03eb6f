/**
 * Talks to the engine for the image task: reads an image's build-hash label, and builds a
 * plan (the context streamed as a tar, the log streamed line by line, a failing step turned
 * into one clear error naming the Dockerfile, the step and its last lines).
 */
import type Docker from 'dockerode';
import { QmsError } from '../../tasks/errors.js';
import { BuildLog } from './build-log.js';
import { shortHash } from './hash.js';
import type { BuildPlan } from './plan.js';
import { tarContext } from './tar.js';

export const HASH_LABEL = 'qms.build-hash';
export const PROJECT_LABEL = 'qms.project';

export interface ImageInfo {
  id: string;
  /** The `qms.build-hash` label, if any. */
  hash: string | undefined;
}

/** The image with that tag, or undefined when the engine has none. */
export async function inspectImage(docker: Docker, tag: string): Promise<ImageInfo | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { id: info.Id, hash: info.Config?.Labels?.[HASH_LABEL] };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export interface BuildIo {
  project: string;
  signal: AbortSignal;
  onLine: (line: string) => void;
}

/** Builds the plan's image; returns its ID. */
export async function buildImage(docker: Docker, plan: BuildPlan, io: BuildIo): Promise<string> {
  const log = new BuildLog(io.onLine);
  const response = await docker.buildImage(tarContext(plan.entries), {
    t: plan.tag,
    dockerfile: plan.dockerfile,
    buildargs: plan.buildArgs,
    labels: { [HASH_LABEL]: plan.hash, [PROJECT_LABEL]: io.project },
    ...(plan.networkMode ? { networkmode: plan.networkMode } : {}),
    rm: true,
    // Remove intermediate containers of a failed step too: nothing half-built is left behind.
    forcerm: true,
    abortSignal: io.signal,
  });
  for await (const chunk of response) log.push(chunk as Buffer);
  log.end();

  if (log.error !== undefined) throw await buildFailure(docker, plan, log);
  const image = await inspectImage(docker, plan.tag);
  if (!image || image.hash !== plan.hash) {
    throw new QmsError(
      `The engine reported no error building ${plan.tag}, but the image it tagged does not carry hash ${shortHash(plan.hash)}.`,
      'Run the task again; if it persists, check `docker image inspect ' + plan.tag + '`.',
    );
  }
  return image.id;
}

async function buildFailure(docker: Docker, plan: BuildPlan, log: BuildLog): Promise<QmsError> {
  const error = log.error ?? 'unknown error';
  const step = log.step ?? '(before the first step)';
  const isFrom = /^Step \d+\/\d+ : FROM /i.test(step);
  if (isFrom && !(await inspectImage(docker, plan.baseImage))) {
    return new QmsError(
      `The base image ${plan.baseImage} is not present locally and could not be pulled: ${error}`,
      'Check the name and your registry login; or, without a registry, unset QMS_BASE_IMAGE (and the baseImage ' +
        'option) so qms builds and uses its local Debian base (`npm run docker:base` builds it ahead of time).',
    );
  }
  const tail = log.lastLines();
  return new QmsError(
    `Building ${plan.tag} from ${plan.dockerfileDisplay} failed at ${step}\n` +
      (tail.length ? `Last lines of that step:\n${tail.map((l) => `  ${l}`).join('\n')}\n` : '') +
      error,
    `Fix that step in ${plan.dockerfileDisplay} (the full build log is in the task's output), then run the build again.`,
  );
}

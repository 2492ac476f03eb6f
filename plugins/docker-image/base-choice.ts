/**
 * Which base image the build uses (build arg `BASE_IMAGE`). A configured one
 * (`QMS_BASE_IMAGE`, or the `baseImage` option) is used as given. Otherwise the default
 * (`python:3.11-slim`) when the engine has it or can pull it; when it can't — no registry, as
 * on air-gapped and locked-down machines — the local Debian base, built once under its
 * content-addressed tag and found again by that tag on every later run (no pull is tried then).
 */
import type Docker from 'dockerode';
import type { Env } from '../../tasks/types.js';
import { connectDocker } from '../docker-engine/client.js';
import { inspectImage } from './image-build.js';
import { ensureLocalBase } from './local-base.js';
import { localBaseRecipe } from './local-base-recipe.js';
import { DEFAULT_BASE_IMAGE, type DockerImageOptions } from './options.js';
import { quickInspect, UNAVAILABLE } from './quick-inspect.js';

export interface BaseChoice {
  image: string;
  /** `configured`: env or option; `default`: python:3.11-slim; `local`: the local Debian base. */
  source: 'configured' | 'default' | 'local';
  /** The local base was built by this run. */
  built: boolean;
}

export interface BaseIo {
  info: (line: string) => void;
  output: (line: string) => void;
  signal: AbortSignal;
}

/** Does the engine have the image? The socket fast path first, dockerode when it can't tell. */
async function has(env: Env, tag: string): Promise<boolean> {
  const quick = await quickInspect(env, tag);
  if (quick !== UNAVAILABLE) return quick !== undefined;
  return (await inspectImage(await connectDocker(env), tag)) !== undefined;
}

/** Pulls the image; the engine's error message when it can't. */
async function pull(docker: Docker, tag: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const stream = await docker.pull(tag, { abortSignal: signal });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  }
}

export async function chooseBase(options: DockerImageOptions, env: Env, io: BaseIo): Promise<BaseChoice> {
  const configured = env.QMS_BASE_IMAGE || options.baseImage;
  if (configured) return { image: configured, source: 'configured', built: false };
  const localBase = options.localBase ?? {};
  if (localBase === false || env.QMS_LOCAL_BASE === 'off' || (await has(env, DEFAULT_BASE_IMAGE))) {
    return { image: DEFAULT_BASE_IMAGE, source: 'default', built: false };
  }
  const recipe = localBaseRecipe(env, localBase.repository);
  if (await has(env, recipe.tag)) {
    io.info(`base: ${DEFAULT_BASE_IMAGE} is not here; using the local Debian base ${recipe.tag}`);
    return { image: recipe.tag, source: 'local', built: false };
  }
  const docker = await connectDocker(env);
  if (localBase.pull !== false) {
    const why = await pull(docker, DEFAULT_BASE_IMAGE, io.signal);
    if (why === undefined) {
      io.info(`base: pulled ${DEFAULT_BASE_IMAGE}`);
      return { image: DEFAULT_BASE_IMAGE, source: 'default', built: false };
    }
    io.info(`base: ${DEFAULT_BASE_IMAGE} can't be pulled (${why}) and no base is configured (QMS_BASE_IMAGE)`);
  }
  const base = await ensureLocalBase(docker, env, { onLine: io.output, info: io.info, signal: io.signal }, localBase.repository);
  io.info(base.built ? `base: built ${base.tag} (${base.id.replace(/^sha256:/, '').slice(0, 12)})` : `base: using ${base.tag}`);
  return { image: base.tag, source: 'local', built: base.built };
}

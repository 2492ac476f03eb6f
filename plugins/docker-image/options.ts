/**
 * The docker-image plugin's options: their types, eager validation (a wrong type is a
 * `ConfigError` naming the plugin and key) and their resolution for one run (paths, base
 * image from `QMS_BASE_IMAGE`, the host user's uid/gid, build args, staged CA certificates).
 */
import { stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, QmsError } from '../../tasks/errors.js';
import type { Env } from '../../tasks/types.js';
import { defaultAgentUser } from '../container/options.js';
import type { ExtraFile } from './context-files.js';

export interface DockerImageOptions {
  /** Build context folder, relative to the project root. Default `docker`. */
  context?: string;
  /** Dockerfile path relative to the context. Default `Dockerfile`. */
  dockerfile?: string;
  /** Image tag. Default `qms-agent:latest`. */
  tag?: string;
  /** Extra build args (never secrets: they are visible in the image's history). */
  buildArgs?: Record<string, string>;
  /** Network for `RUN` steps: `host` (default), `default` (the engine's default), or a network name. */
  network?: string;
  /** Base image (build arg `BASE_IMAGE`); `QMS_BASE_IMAGE` in the env or `.env` overrides it. Default `python:3.11-slim`. */
  baseImage?: string;
  /** Claude Code version (build arg `CLAUDE_CODE_VERSION`; `none` skips it). Default: the Dockerfile's pin. */
  claudeCodeVersion?: string;
  /**
   * When no base is configured and `python:3.11-slim` is neither here nor pullable, build and use
   * the local Debian base (`<repository>:bookworm-<hash>`, default repository `qms-base`, or
   * `QMS_LOCAL_BASE`). `pull: false` skips trying the registry; `false` turns the fallback off.
   */
  localBase?: false | { repository?: string; pull?: boolean };
  /** PEM certificate files (paths relative to the root) the image must trust, staged as `certs/*.crt` in the context. */
  extraCaCerts?: string[];
  /** Name of the task. Default `build`. */
  taskName?: string;
}

export interface DockerImageResult {
  tag: string;
  /** Image ID (`sha256:…`). */
  id: string;
  /** The content hash stored as the image label `qms.build-hash`. */
  hash: string;
  /** False when the image was already up to date. */
  built: boolean;
}

export const DEFAULT_BASE_IMAGE = 'python:3.11-slim';
/** Where staged CA certificates go in the context; docker/Dockerfile copies `certs/`. */
export const CERTS_DIR = 'certs';

/** Build args the plugin sets from its own options, not through `buildArgs`. */
const RESERVED_ARGS: Record<string, string> = { BASE_IMAGE: 'baseImage', CLAUDE_CODE_VERSION: 'claudeCodeVersion' };
const SECRET_LIKE = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

function fail(key: string, message: string, hint: string): never {
  throw new ConfigError(`dockerImage(): option \`${key}\` ${message}`, hint, undefined, key);
}

function optionalString(options: DockerImageOptions, key: keyof DockerImageOptions): void {
  const value = options[key];
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') fail(key, `must be a non-empty string (got ${JSON.stringify(value)}).`, `Remove \`${key}\` or give it a string.`);
}

/** Checks option types eagerly, when the config is loaded. */
export function validateOptions(options: unknown): DockerImageOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('dockerImage() takes an options object.', 'Call it as dockerImage({ context: "docker" }).');
  }
  const opts = options as DockerImageOptions;
  const known = new Set(['context', 'dockerfile', 'tag', 'buildArgs', 'network', 'baseImage', 'claudeCodeVersion', 'localBase', 'extraCaCerts', 'taskName']);
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) fail(key, 'is not an option of dockerImage().', `Known options: ${[...known].join(', ')}.`);
  }
  for (const key of ['context', 'dockerfile', 'tag', 'network', 'baseImage', 'claudeCodeVersion', 'taskName'] as const) optionalString(opts, key);
  if (opts.tag !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/.test(opts.tag)) {
    fail('tag', `is not a valid image reference: ${JSON.stringify(opts.tag)}.`, 'Use lower case, e.g. "qms-agent:latest".');
  }
  if (opts.buildArgs !== undefined) {
    if (typeof opts.buildArgs !== 'object' || opts.buildArgs === null || Array.isArray(opts.buildArgs)) {
      fail('buildArgs', 'must be an object of strings.', 'e.g. buildArgs: { HTTP_PROXY: "http://proxy:3128" }.');
    }
    for (const [name, value] of Object.entries(opts.buildArgs)) {
      if (typeof value !== 'string') fail('buildArgs', `.${name} must be a string (got ${typeof value}).`, 'Quote the value.');
      const reserved = RESERVED_ARGS[name];
      if (reserved) fail('buildArgs', `sets ${name}, which the plugin sets from the \`${reserved}\` option.`, `Use dockerImage({ ${reserved}: … }) instead.`);
      if (SECRET_LIKE.test(name)) {
        fail('buildArgs', `.${name} looks like a secret; build args are stored in the image's history.`, 'Pass secrets at run time (e.g. GH_TOKEN in .env), never as build args.');
      }
    }
  }
  if (opts.localBase !== undefined && opts.localBase !== false) {
    const lb = opts.localBase as unknown;
    if (typeof lb !== 'object' || lb === null || Array.isArray(lb)) fail('localBase', 'must be false or { repository?, pull? }.', 'e.g. localBase: { repository: "my-base", pull: false }.');
    const { repository, pull, ...rest } = lb as { repository?: unknown; pull?: unknown };
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) fail('localBase', `has no key \`${extra}\`.`, 'Known keys: repository, pull.');
    if (repository !== undefined && (typeof repository !== 'string' || !/^[a-z0-9][a-z0-9._\-/]*$/.test(repository))) {
      fail('localBase', `.repository must be an image repository name without a tag (got ${JSON.stringify(repository)}).`, 'e.g. "qms-base".');
    }
    if (pull !== undefined && typeof pull !== 'boolean') fail('localBase', '.pull must be true or false.', 'e.g. localBase: { pull: false }.');
  }
  if (opts.extraCaCerts !== undefined && (!Array.isArray(opts.extraCaCerts) || opts.extraCaCerts.some((p) => typeof p !== 'string' || p === ''))) {
    fail('extraCaCerts', 'must be an array of file paths.', 'e.g. extraCaCerts: ["/usr/local/share/ca-certificates/proxy.crt"].');
  }
  return opts;
}

export interface ResolvedBuild {
  tag: string;
  contextDir: string;
  /** Dockerfile path relative to the context, `/`-separated. */
  dockerfile: string;
  /** For messages: the Dockerfile's path relative to the project root. */
  dockerfileDisplay: string;
  baseImage: string;
  buildArgs: Record<string, string>;
  /** `undefined`: let the engine choose. */
  networkMode: string | undefined;
  extraFiles: ExtraFile[];
}

/** The tag the image is built under. */
export const imageTag = (options: DockerImageOptions): string => options.tag ?? 'qms-agent:latest';

/** Resolves the options against the project root and env for one run; checks paths exist. */
export async function resolveBuild(options: DockerImageOptions, root: string, env: Env, chosenBase?: string): Promise<ResolvedBuild> {
  const contextDir = resolve(root, options.context ?? 'docker');
  const contextStat = await stat(contextDir).catch(() => undefined);
  if (!contextStat?.isDirectory()) {
    throw new QmsError(`The build context ${contextDir} is not a folder.`, 'Create it or set dockerImage({ context }) to the folder holding the Dockerfile.');
  }
  const dockerfile = (options.dockerfile ?? 'Dockerfile').split('\\').join('/');
  const dockerfilePath = resolve(contextDir, dockerfile);
  const dockerfileDisplay = relative(root, dockerfilePath) || dockerfilePath;
  if (isAbsolute(dockerfile) || relative(contextDir, dockerfilePath).startsWith('..')) {
    throw new QmsError(`The Dockerfile ${dockerfile} is outside the build context ${contextDir}.`, 'Give dockerImage({ dockerfile }) a path inside the context folder.');
  }
  if (!(await stat(dockerfilePath).catch(() => undefined))?.isFile()) {
    throw new QmsError(`No Dockerfile at ${dockerfileDisplay}.`, 'Create it, or point dockerImage({ context, dockerfile }) at the right one.');
  }

  // `chosenBase`: what base-choice.ts picked (it may be the local Debian base).
  const baseImage = chosenBase ?? (env.QMS_BASE_IMAGE || options.baseImage || DEFAULT_BASE_IMAGE);
  // The image's agent user gets the uid/gid the container runs as (the container plugin's default).
  const { uid, gid } = defaultAgentUser();
  const buildArgs: Record<string, string> = { BASE_IMAGE: baseImage, AGENT_UID: String(uid), AGENT_GID: String(gid) };
  if (options.claudeCodeVersion) buildArgs.CLAUDE_CODE_VERSION = options.claudeCodeVersion;
  Object.assign(buildArgs, options.buildArgs ?? {});

  const extraFiles: ExtraFile[] = [];
  const used = new Set<string>();
  for (const cert of options.extraCaCerts ?? []) {
    const source = resolve(root, cert);
    if (!(await stat(source).catch(() => undefined))?.isFile()) {
      throw new QmsError(`The extra CA certificate ${cert} does not exist or is not a file.`, 'Fix the path in dockerImage({ extraCaCerts }) (PEM files, e.g. /usr/local/share/ca-certificates/*.crt).');
    }
    // update-ca-certificates only reads *.crt; keep names unique.
    let name = `${basename(cert, extname(cert))}.crt`;
    for (let i = 2; used.has(name); i++) name = `${basename(cert, extname(cert))}-${i}.crt`;
    used.add(name);
    extraFiles.push({ path: `${CERTS_DIR}/${name}`, source });
  }

  const network = options.network ?? 'host';
  return {
    tag: imageTag(options),
    contextDir,
    dockerfile: relative(contextDir, dockerfilePath).split('\\').join('/'),
    dockerfileDisplay,
    baseImage,
    buildArgs,
    networkMode: network === 'default' ? undefined : network,
    extraFiles,
  };
}

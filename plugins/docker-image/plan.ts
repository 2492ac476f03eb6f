/**
 * What one build would be: the resolved options, the context entries after `.dockerignore`
 * (with staged CA certificates) and their content hash. Computed without the engine.
 */
import type { Env } from '../../tasks/types.js';
import { listContext, type ContextEntry } from './context-files.js';
import { buildHash } from './hash.js';
import { resolveBuild, type DockerImageOptions, type ResolvedBuild } from './options.js';

export interface BuildPlan extends ResolvedBuild {
  entries: ContextEntry[];
  hash: string;
}

export async function planBuild(options: DockerImageOptions, root: string, env: Env, baseImage?: string): Promise<BuildPlan> {
  const resolved = await resolveBuild(options, root, env, baseImage);
  const entries = await listContext(resolved.contextDir, { dockerfile: resolved.dockerfile, extraFiles: resolved.extraFiles });
  const hash = await buildHash({ entries, dockerfile: resolved.dockerfile, buildArgs: resolved.buildArgs });
  return { ...resolved, entries, hash };
}

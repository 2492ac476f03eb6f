/**
 * The local Debian base, once: when an image already carries the recipe's content-addressed
 * tag it is used as is; otherwise it is built (see local-base-build.ts) under a machine-wide
 * lock, so concurrent `qms up` runs or test runs build it once and the others wait for it.
 * The one code path behind the build task, `npm run docker:base` and the test set-up.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Env } from '../../tasks/types.js';
import { buildLocalBase, type BaseBuildIo } from './local-base-build.js';
import { inspectImage } from './image-build.js';
import { localBaseRecipe, type LocalBaseRecipe } from './local-base-recipe.js';
import { isAlive } from '../../tasks/state/lock.js';

export interface LocalBase {
  tag: string;
  id: string;
  /** False when the tagged image was already there. */
  built: boolean;
  recipe: LocalBaseRecipe;
}

/** A one-line account of what building does, for the user before it starts. */
export function describeBuild(recipe: LocalBaseRecipe): string {
  const certs = recipe.caCerts.length ? `, trusting this host's ${recipe.caCerts.length} extra CA certificate(s)` : '';
  return `building the local Debian base ${recipe.tag} once: debootstrap ${recipe.suite} from ${recipe.mirror}${certs}, then import it (a few minutes)`;
}

export async function ensureLocalBase(docker: Docker, env: Env, io: BaseBuildIo, repository?: string): Promise<LocalBase> {
  const recipe = localBaseRecipe(env, repository);
  const existing = await inspectImage(docker, recipe.tag);
  if (existing) return { tag: recipe.tag, id: existing.id, built: false, recipe };
  return withMachineLock(`qms-local-base-${recipe.hash.slice(0, 12)}`, io, async () => {
    // Someone else may have built it while we waited.
    const now = await inspectImage(docker, recipe.tag);
    if (now) return { tag: recipe.tag, id: now.id, built: false, recipe };
    (io.info ?? io.onLine)(describeBuild(recipe));
    const id = await buildLocalBase(docker, recipe, io);
    return { tag: recipe.tag, id, built: true, recipe };
  });
}

/** An O_EXCL lock file in the temp folder holding the owner's pid; a dead owner's lock is taken over. */
async function withMachineLock<T>(name: string, io: BaseBuildIo, fn: () => Promise<T>): Promise<T> {
  const file = join(tmpdir(), `${name}.lock`);
  let told = false;
  let empty = 0;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = readFileSafe(file);
      // Empty: the owner is between creating the file and writing its pid; look again shortly.
      if (text === '' && ++empty < 20) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const owner = Number(text);
      if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (!told) (io.info ?? io.onLine)(`waiting for process ${owner}, which is building the same base image`);
      told = true;
      if (io.signal?.aborted) throw io.signal.reason;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  try {
    return await fn();
  } finally {
    if (readFileSafe(file) === String(process.pid)) rmSync(file, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

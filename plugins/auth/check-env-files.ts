/**
 * Secrets files must stay private: each `.env` file (root `.env`, `docker/.env`, the config's
 * `envFiles`) that exists must not be tracked by git (error: it would be pushed) and should
 * not be readable or writable by group/others (warning, with the exact chmod).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fail, ok, warn, type AuthCheck } from './check.js';
import { gitTracked } from './git-tracked.js';

async function existing(root: string, file: string): Promise<{ file: string; mode: number } | undefined> {
  try {
    const s = await stat(join(root, file));
    return s.isFile() ? { file, mode: s.mode & 0o777 } : undefined;
  } catch {
    return undefined;
  }
}

export async function checkEnvFiles(root: string, envFiles: readonly string[]): Promise<AuthCheck[]> {
  const candidates = [...new Set(['.env', 'docker/.env', ...envFiles].map((f) => (isAbsolute(f) ? relative(root, f) : f)))];
  const present = (await Promise.all(candidates.map((f) => existing(root, f)))).filter((f) => f !== undefined);
  const tracked = await gitTracked(root, present.map((p) => p.file));
  return present.map(({ file, mode }) => {
    const id = `env-file:${file}`;
    if (tracked?.has(file)) {
      return fail(
        id,
        `${file} is tracked by git: its secrets would be committed and pushed.`,
        `git rm --cached ${file} && echo ${file} >> .gitignore  (then rotate any token it held)`,
      );
    }
    if (mode & 0o077) {
      return warn(id, `${file} is accessible by group/others (mode ${mode.toString(8).padStart(3, '0')}).`, `chmod 600 ${file}`);
    }
    return ok(id, `${file}: private (mode ${mode.toString(8).padStart(3, '0')})${tracked ? ', not tracked by git' : ''}`);
  });
}

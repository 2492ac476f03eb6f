/**
 * `.qms/` under the project root: qms's own files (state, locks, MCP tokens and logs, container
 * overlays). Whatever creates it goes through `ensureQmsDir`, which makes it 0700 and writes
 * `.qms/.gitignore` holding `*`, so the folder ignores itself and a human's `git add -A` never
 * stages a token (the project's own .gitignore may not list it).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const QMS_DIR = '.qms';

export const qmsDir = (root: string): string => join(root, QMS_DIR);

/**
 * Create `.qms/` (0700, also when it exists with a wider mode: Docker gives the tmpfs that masks
 * it in a container this folder's mode) with its self-ignoring `.gitignore`; returns the folder.
 */
export async function ensureQmsDir(root: string): Promise<string> {
  const dir = qmsDir(root);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPERM') throw err; // another user's folder: leave its mode alone
  });
  // `wx`: never rewrite an existing file (two processes may get here at once).
  await writeFile(join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return dir;
}

/** `.qms/<parts…>` created (0700) below an ensured `.qms/`; returns the folder. */
export async function ensureQmsSubdir(root: string, ...parts: string[]): Promise<string> {
  const dir = join(await ensureQmsDir(root), ...parts);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

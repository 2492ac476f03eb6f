/**
 * The agent writes its workspace (and could plant things in its inbox folder through a
 * mistake on the host): before a QMS tool reads there, every `*.md` entry must be a regular
 * file. A FIFO would block the reader forever, a device or socket is no document, and a
 * symbolic link could make the host copy one of its own files (a key, a `.env`) into the QMS.
 * Checked with lstat only: nothing is opened, so nothing blocks. Both backends use it.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { QmsError } from '../../tasks/errors.js';

function kindOf(st: Awaited<ReturnType<typeof lstat>>): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/**
 * Refuses (QmsError) when `.claude/users/<user>/{workspace,inbox}` or a folder on the way is not
 * a real folder, or holds a `*.md` entry that is not a regular file. Missing folders are fine.
 */
export async function refuseNonRegularUserFiles(root: string, user: string): Promise<void> {
  let dir = root;
  for (const part of ['.claude', 'users', user]) {
    dir = join(dir, part);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) return;
    if (!st.isDirectory()) throw new QmsError(`refused: ${join('.claude', 'users', user)} is reached through ${kindOf(st)} (${dir})`, `Replace ${dir} with a real folder; nothing was run.`);
  }
  for (const kind of ['workspace', 'inbox']) {
    const folder = join(dir, kind);
    const st = await lstat(folder).catch(() => undefined);
    if (!st) continue;
    const rel = join('.claude', 'users', user, kind);
    if (!st.isDirectory()) throw new QmsError(`refused: ${rel} is ${kindOf(st)}, not a folder`, `Replace it with a real folder (rm ${folder}; mkdir ${folder}); nothing was run.`);
    for (const name of await readdir(folder)) {
      if (!name.endsWith('.md')) continue;
      const entry = await lstat(join(folder, name)).catch(() => undefined);
      if (entry && !entry.isFile()) {
        throw new QmsError(`refused: ${rel}/${name} is ${kindOf(entry)}, not a regular file`, `Remove it or put the document there as a regular file (rm ${join(folder, name)}); nothing was run.`);
      }
    }
  }
}

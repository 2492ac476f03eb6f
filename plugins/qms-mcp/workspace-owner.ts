/**
 * When the QMS server runs as root (qms started with sudo) and the agent's workspace belongs to
 * the agent's uid, what qms-cli writes there (a checkout's copy, a new document) is root's and
 * the agent could not edit it. After a call, every regular `*.md` root owns in the identity's
 * workspace is given to the folder's owner — opened without following links, changed through
 * the handle, so a link planted meanwhile gives nothing away. A no-op when not root.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function giveWorkspaceToOwner(root: string, user: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const dir = join(root, '.claude', 'users', user, 'workspace');
  const folder = await lstat(dir).catch(() => undefined);
  if (!folder?.isDirectory() || folder.uid === 0) return;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.md')) continue;
    const handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
    if (!handle) continue;
    try {
      const st = await handle.stat();
      if (st.isFile() && st.uid === 0) await handle.chown(folder.uid, folder.gid);
    } finally {
      await handle.close();
    }
  }
}

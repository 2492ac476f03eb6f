/**
 * `.claude/sessions/CURRENT_SESSION` holds the id of the current session. Written atomically
 * (a temp file in the same folder, then rename), so a reader never sees a half-written id.
 */
import { chown, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Owner } from './agent-owner.js';
import { SESSION_ID_PATTERN } from './session-id.js';

export const CURRENT_SESSION = 'CURRENT_SESSION';

export async function writeCurrentSession(sessionsDir: string, id: string, owner: Owner | undefined): Promise<void> {
  const file = join(sessionsDir, CURRENT_SESSION);
  const tmp = join(sessionsDir, `.${CURRENT_SESSION}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, `${id}\n`, { mode: 0o644 });
    if (owner) await chown(tmp, owner.uid, owner.gid);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The current session id, or undefined when there is none (or the file holds something else). */
export async function readCurrentSession(sessionsDir: string): Promise<string | undefined> {
  try {
    const id = (await readFile(join(sessionsDir, CURRENT_SESSION), 'utf8')).trim();
    return SESSION_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

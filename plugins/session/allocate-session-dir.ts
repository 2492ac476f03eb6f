/**
 * Claim the next free `Session-YYYY-MM-DD-NNN` folder atomically: start after the highest
 * number of today, `mkdir` the final component without `recursive` (fails with EEXIST when
 * someone else got there first) and try the next number. Two `qms up` at the same moment,
 * in two processes, never get the same folder.
 */
import { chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Owner } from './agent-owner.js';
import { sessionId, sessionNumber, sessionPrefix } from './session-id.js';

export async function allocateSessionDir(sessionsDir: string, now: Date, owner: Owner | undefined): Promise<{ id: string; dir: string }> {
  const prefix = sessionPrefix(now);
  const taken = (await readdir(sessionsDir)).map((name) => sessionNumber(name, prefix)).filter((n) => n !== undefined);
  let n = Math.max(0, ...taken) + 1;
  for (;;) {
    const id = sessionId(now, n);
    const dir = join(sessionsDir, id);
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        n += 1;
        continue;
      }
      throw err;
    }
    if (owner) await chown(dir, owner.uid, owner.gid);
    return { id, dir };
  }
}

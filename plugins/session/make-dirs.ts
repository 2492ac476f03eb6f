/**
 * Create missing folders one level at a time, chowning only what this call created: nothing
 * that already exists is touched (mode, owner and content stay as they were).
 */
import { chown, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Owner } from './agent-owner.js';

/** mkdir -p that returns the folders it created (outermost first) and gives them to `owner`. */
export async function makeDirs(dir: string, owner: Owner | undefined): Promise<string[]> {
  const created: string[] = [];
  const walk = async (d: string): Promise<void> => {
    try {
      await mkdir(d);
      created.push(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code !== 'ENOENT' || dirname(d) === d) throw err;
      await walk(dirname(d));
      try {
        await mkdir(d);
        created.push(d);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
      }
    }
  };
  await walk(dir);
  if (owner) await Promise.all(created.map((d) => chown(d, owner.uid, owner.gid)));
  return created;
}

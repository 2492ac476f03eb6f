/**
 * Finds git repositories the agent planted in the folders it may write: every `.git` (folder
 * or file) below them. The Git MCP server never stages or enters them; `qms status` and
 * verification report them so the user knows they are there. The walk never follows symlinks,
 * never opens a file, and stops after a bounded number of entries.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface NestedRepos {
  /** Project-relative paths of the `.git` entries found. */
  found: string[];
  /** The walk stopped at its entry limit before seeing everything. */
  truncated: boolean;
}

/** Folders read at once: the walk is a readdir per folder, and session folders add up. */
const PARALLEL = 16;

export async function findNestedRepos(root: string, folders: readonly string[], maxEntries = 50_000): Promise<NestedRepos> {
  const found: string[] = [];
  let seen = 0;
  let truncated = false;
  const queue = folders.map((f) => join(root, f));
  let reading = 0;
  await new Promise<void>((done) => {
    // Up to PARALLEL folders are read at once; each read adds its subfolders to the queue.
    const pump = (): void => {
      while (reading < PARALLEL && queue.length > 0 && !truncated) {
        const dir = queue.shift() as string;
        reading++;
        void readdir(dir, { withFileTypes: true })
          .catch(() => [])
          .then((entries) => {
            for (const e of entries) {
              if (++seen > maxEntries) {
                truncated = true;
                break;
              }
              const path = join(dir, e.name);
              if (e.name === '.git') found.push(relative(root, path));
              else if (e.isDirectory()) queue.push(path);
            }
            reading--;
            pump();
          });
      }
      if (reading === 0) done();
    };
    pump();
  });
  return { found: found.sort(), truncated };
}

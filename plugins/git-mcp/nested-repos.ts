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

export async function findNestedRepos(root: string, folders: readonly string[], maxEntries = 50_000): Promise<NestedRepos> {
  const found: string[] = [];
  let seen = 0;
  const queue = folders.map((f) => join(root, f));
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (++seen > maxEntries) return { found, truncated: true };
      const path = join(dir, e.name);
      if (e.name === '.git') found.push(relative(root, path));
      else if (e.isDirectory()) queue.push(path);
    }
  }
  return { found: found.sort(), truncated: false };
}

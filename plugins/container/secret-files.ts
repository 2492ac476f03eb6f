/**
 * The host's secret files in a project: every regular `.env*` file (`.env`, `.env.local`,
 * `docker/.env`, `.envrc`, …), found by walking the project. The container masks each one (an
 * empty, unreadable file mounted read-only over it) and verification tries to read each one from
 * inside, so a file created after the container started is caught too.
 *
 * Not searched: `.git`, `node_modules`, `.qms/` (masked whole) and the agent-writable folders
 * (what is there the agents wrote). Symbolic links are not followed into folders; a `.env*` link
 * whose target is a file inside the project masks that target (that is where the read lands).
 *
 * A folder is read again only when it changed: what the last walk found in each folder is kept
 * (in memory, and in `.qms/secret-walk.json` for the next process) with the folder's inode,
 * ctime and mtime, and used while all three are the same. Adding, removing or renaming an entry
 * changes the folder's mtime and ctime, and no one but root can set a ctime back (an agent
 * that resets the mtime with `touch` moves the ctime on). A folder whose times are within
 * RACY_MS of when it was read is read again (a change in the same clock tick would not show).
 * `.env*` links are resolved on every walk: their targets change without their folder.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { IN_PROJECT, isAgentWritable } from './container-paths.js';

const SKIP_NAMES = new Set(['.git', 'node_modules']);
const WALKERS = 32;
const RACY_MS = 2_000;
/** Bumped when what is kept changes. */
const FORMAT = 1;

export const isSecretName = (name: string): boolean => name.startsWith('.env');

/** What one folder held, as far as the walk cares, and the folder's identity when it was read. */
interface Listing {
  /** Sub-folders to walk (not skipped ones). */
  dirs: string[];
  /** Regular `.env*` files. */
  files: string[];
  /** `.env*` symbolic links. */
  links: string[];
  /** The folder's inode, ctime and mtime when it was read. */
  id: string;
  /** When it was read (ms since the epoch). */
  readAt: number;
}

type Walk = Map<string, Listing>;

/** The last walk of each project root in this process. */
const walks = new Map<string, Walk>();

const keptFile = (root: string): string => join(root, IN_PROJECT.qmsDir, 'secret-walk.json');

/** A folder entry's own name: a string that is no path (no separator, not `.` or `..`). */
const isName = (v: unknown): v is string => typeof v === 'string' && v !== '' && v !== '.' && v !== '..' && !v.includes('/') && !v.includes(sep);
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every(isName);

/** A kept listing as `keep` wrote it (the file is read back from disk, so checked, not assumed). */
function isListing(v: unknown): v is Listing {
  const l = v as Partial<Listing> | null;
  return typeof l === 'object' && l !== null && isNames(l.dirs) && isNames(l.files) && isNames(l.links) && typeof l.id === 'string' && typeof l.readAt === 'number';
}

async function lastWalk(root: string): Promise<Walk> {
  const inMemory = walks.get(root);
  if (inMemory) return inMemory;
  try {
    const kept = JSON.parse(await readFile(keptFile(root), 'utf8')) as { format?: unknown; dirs?: Record<string, unknown> };
    // Only well-formed listings are used; any other folder is read again.
    if (kept.format === FORMAT && kept.dirs && typeof kept.dirs === 'object') return new Map(Object.entries(kept.dirs).filter((e): e is [string, Listing] => isListing(e[1])));
  } catch {
    // none yet, or unreadable: every folder is read
  }
  return new Map();
}

/**
 * Project-relative, `/`-separated paths of the project's secret files, sorted. `racyMs`: how
 * recent a folder's times may be for what was kept of it to be trusted (tests shorten it).
 */
export async function findSecretFiles(root: string, { racyMs = RACY_MS }: { racyMs?: number } = {}): Promise<string[]> {
  const found = new Set<string>();
  const realRoot = await realpath(root);
  const before = await lastWalk(root);
  const now: Walk = new Map();
  let reread = false;
  const skipped = (rel: string): boolean => rel === IN_PROJECT.qmsDir || isAgentWritable(rel);
  const inSkippedFolder = (rel: string): boolean => {
    const parts = rel.split('/');
    return parts.slice(0, -1).some((part, i) => SKIP_NAMES.has(part) || skipped(parts.slice(0, i + 1).join('/')));
  };
  const toRel = (abs: string, base: string): string => relative(base, abs).split(sep).join('/');
  const list = async (relDir: string, id: string): Promise<Listing> => {
    const readAt = Date.now();
    const entries: Dirent[] | undefined = await readdir(join(root, relDir), { withFileTypes: true }).catch(() => undefined);
    // A folder that could not be read is not kept as empty: an id that never matches reads it next time.
    const listing: Listing = { dirs: [], files: [], links: [], id: entries ? id : '', readAt };
    if (!entries) return listing;
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_NAMES.has(e.name) && !skipped(rel)) listing.dirs.push(e.name);
      } else if (isSecretName(e.name)) {
        if (e.isFile()) listing.files.push(e.name);
        else if (e.isSymbolicLink()) listing.links.push(e.name);
      }
    }
    return listing;
  };
  const visit = async (relDir: string, queue: string[]): Promise<void> => {
    // stat follows a link, as readdir does (the root may be one; a linked folder is never queued).
    const st = await stat(join(root, relDir)).catch(() => undefined);
    if (!st?.isDirectory()) return;
    const id = `${st.ino}:${st.ctimeMs}:${st.mtimeMs}`;
    const kept = before.get(relDir);
    const same = kept !== undefined && kept.id === id && st.ctimeMs < kept.readAt - racyMs && st.mtimeMs < kept.readAt - racyMs;
    const listing = same ? kept : await list(relDir, id);
    if (!same) reread = true;
    now.set(relDir, listing);
    const at = (name: string): string => (relDir ? `${relDir}/${name}` : name);
    for (const name of listing.dirs) queue.push(at(name));
    for (const name of listing.files) found.add(at(name));
    for (const name of listing.links) {
      const rel = at(name);
      const target = await realpath(join(root, rel)).catch(() => undefined);
      if (!target || !(await stat(target).then((s) => s.isFile(), () => false))) continue;
      const inProject = toRel(target, realRoot);
      if (!inProject.startsWith('../') && !inSkippedFolder(inProject)) found.add(inProject);
    }
  };
  // Folders are visited WALKERS at a time: a large checkout is I/O-bound, not CPU-bound.
  const queue: string[] = [''];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < WALKERS && queue.length > 0) {
        active++;
        visit(queue.pop()!, queue).then(() => {
          active--;
          pump();
        }, reject);
      }
    };
    pump();
  });
  walks.set(root, now);
  if (reread || now.size !== before.size) await keep(root, now);
  return [...found].sort();
}

/** The walk for the next process, in `.qms/` (qms's own folder, masked in the containers); a failure to write is no error. */
async function keep(root: string, walk: Walk): Promise<void> {
  try {
    await atomicWrite(keptFile(root), JSON.stringify({ format: FORMAT, dirs: Object.fromEntries(walk) }), 0o600);
  } catch {
    // no .qms/ yet, or read-only: the next process reads every folder
  }
}

/**
 * The build context as Docker would send it: every file, directory and symlink under the
 * context folder that `.dockerignore` keeps, sorted by path, plus extra files staged in by the
 * plugin (extra CA certificates). One list feeds both the content hash and the tar stream, so
 * what is hashed is exactly what is built.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { DockerIgnore } from './dockerignore.js';

export interface ContextEntry {
  /** Path inside the context, `/`-separated, no leading `./`. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  size: number;
  mtimeMs: number;
  /** Where to read a file's content from (the context folder or a staged extra file). */
  source: string;
  /** A symlink's target. */
  linkTarget?: string;
}

/** A file added to the context from elsewhere (`path` inside the context ← `source` on disk). */
export interface ExtraFile {
  path: string;
  source: string;
}

export interface ListContextOptions {
  /** The Dockerfile's path relative to the context (always sent, whatever `.dockerignore` says). */
  dockerfile: string;
  extraFiles?: readonly ExtraFile[];
}

/** Lists the context folder after `.dockerignore`, sorted by path. */
export async function listContext(contextDir: string, options: ListContextOptions): Promise<ContextEntry[]> {
  const ignoreText = await readFile(join(contextDir, '.dockerignore'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const ignore = new DockerIgnore(ignoreText, [posix.normalize(options.dockerfile), '.dockerignore']);
  const entries: ContextEntry[] = [];

  async function walk(relDir: string): Promise<void> {
    const dirents = await readdir(relDir === '' ? contextDir : join(contextDir, relDir), { withFileTypes: true });
    for (const dirent of dirents) {
      const rel = relDir === '' ? dirent.name : `${relDir}/${dirent.name}`;
      const ignored = ignore.ignores(rel);
      if (dirent.isDirectory()) {
        if (ignored && ignore.canSkipDirectory(rel)) continue;
        if (!ignored) entries.push(await entry(rel, join(contextDir, rel)));
        await walk(rel);
      } else if (!ignored) {
        entries.push(await entry(rel, join(contextDir, rel)));
      }
    }
  }
  await walk('');

  const extras = options.extraFiles ?? [];
  for (const extra of extras) {
    const existing = entries.findIndex((e) => e.path === extra.path);
    const staged = await entry(extra.path, extra.source);
    if (staged.type !== 'file') throw new QmsError(`${extra.source} is not a regular file.`, 'Name a file (for extraCaCerts: a PEM certificate).');
    if (existing >= 0) entries[existing] = staged;
    else entries.push(staged);
  }
  // Parent folders of staged files that the context lacks.
  const have = new Set(entries.map((e) => e.path));
  for (const extra of extras) {
    for (let dir = posix.dirname(extra.path); dir !== '.'; dir = posix.dirname(dir)) {
      if (have.has(dir)) continue;
      have.add(dir);
      entries.push({ path: dir, type: 'dir', mode: 0o755, size: 0, mtimeMs: 0, source: '' });
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return entries;
}

async function entry(path: string, source: string): Promise<ContextEntry> {
  const stat = await lstat(source);
  const mode = stat.mode & 0o7777;
  if (stat.isSymbolicLink()) {
    return { path, type: 'symlink', mode, size: 0, mtimeMs: stat.mtimeMs, source, linkTarget: await readlink(source) };
  }
  if (stat.isDirectory()) return { path, type: 'dir', mode, size: 0, mtimeMs: stat.mtimeMs, source };
  if (stat.isFile()) return { path, type: 'file', mode, size: stat.size, mtimeMs: stat.mtimeMs, source };
  throw new QmsError(
    `${source} in the build context is neither a file, a directory nor a symlink: Docker can't be sent sockets or devices.`,
    'Remove it from the context folder or list it in its .dockerignore.',
  );
}

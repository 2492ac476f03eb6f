/**
 * Where things are in a QMS repository, resolved safely: controlled documents under `QMS/`
 * (found by id, never by a caller's path), and each user's `.claude/users/<user>/{inbox,workspace}`.
 * Every path handed out is checked against the real (symlink-free) location it must have.
 */
import { lstat, mkdir, readdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { docType } from './doc-id.js';

export interface QmsProject {
  /** Real path of the project root. */
  root: string;
  /** Real path of `QMS/`. */
  qmsDir: string;
  /** Per-document metadata: `QMS/.meta/<TYPE>/<DOC-ID>.json`. */
  metaDir: string;
  /** Cross-process locks: `.qms/locks/`. */
  lockDir: string;
}

const isInside = (child: string, parent: string): boolean => child.startsWith(parent + sep);

export async function openQmsProject(projectRoot: string): Promise<QmsProject> {
  let root: string;
  try {
    root = await realpath(projectRoot);
  } catch {
    throw new QmsError(`project root ${projectRoot} does not exist`, 'Pass --project-root pointing at the QMS repository (the folder holding QMS/).');
  }
  const qmsDir = join(root, 'QMS');
  const st = await lstat(qmsDir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new QmsError(
      st?.isSymbolicLink() ? `${qmsDir} is a symbolic link; the QMS tree must be a real folder` : `no QMS/ folder in ${root}`,
      'Point --project-root at the repository whose QMS/ folder holds the controlled documents.',
    );
  }
  return { root, qmsDir, metaDir: join(qmsDir, '.meta'), lockDir: join(root, '.qms', 'locks') };
}

/** Every controlled document: `<DOC-ID>.md` files anywhere under QMS/ (dot folders and symlinks skipped). */
export async function listDocuments(project: QmsProject): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile() && /^[A-Z]{2,10}-\d{1,5}(?:-[A-Z0-9]{1,10}){0,3}\.md$/.test(entry.name)) {
        const id = entry.name.slice(0, -3);
        if (!found.has(id)) found.set(id, full);
      }
    }
  };
  await walk(project.qmsDir, 0);
  return found;
}

/** The controlled copy of a (validated) id: a regular file whose real path is inside QMS/. */
export async function locateDocument(project: QmsProject, id: string): Promise<string> {
  // The usual place first (`QMS/CR/CR-043.md`), then anywhere in the tree (children such as VARs).
  const usual = join(project.qmsDir, docType(id), `${id}.md`);
  const st = await lstat(usual).catch(() => undefined);
  const path = st?.isFile() ? usual : (await listDocuments(project)).get(id);
  if (!path) {
    throw new QmsError(`document ${id} not found in ${project.qmsDir}`, `Check the id (qms_status without arguments lists the documents); ${id} would normally be QMS/${docType(id)}/${id}.md.`);
  }
  const real = await realpath(path);
  if (real !== path || !isInside(real, project.qmsDir)) {
    throw new QmsError(`document ${id} resolves outside the QMS tree`, 'Controlled documents must be regular files inside QMS/, not symbolic links.');
  }
  return path;
}

/**
 * A user folder (`inbox` or `workspace`), checked component by component: none may be a
 * symbolic link, so a link planted in the writable workspace cannot redirect writes.
 */
export async function userFolder(project: QmsProject, user: string, kind: 'inbox' | 'workspace', create: boolean): Promise<string | undefined> {
  let dir = project.root;
  for (const part of ['.claude', 'users', user, kind]) {
    dir = join(dir, part);
    let st = await lstat(dir).catch(() => undefined);
    if (!st) {
      if (!create) return undefined;
      await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      st = await lstat(dir);
    }
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new QmsError(`${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; refusing to use it`, `Replace it with a real folder (rm ${dir}; mkdir ${dir}).`);
    }
  }
  const real = await realpath(dir);
  if (real !== dir) throw new QmsError(`${dir} resolves to ${real}; refusing to use it`, 'The user folders must not be reached through symbolic links.');
  return dir;
}

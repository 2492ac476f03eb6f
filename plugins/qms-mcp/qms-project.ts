/**
 * Where things are in a QMS repository, resolved safely: controlled documents under `QMS/`
 * (found by id, never by a caller's path; qms-cli's layout first), and each user's
 * `.claude/users/<user>/{inbox,workspace}`. Every path handed out is checked against the real
 * (symlink-free) location it must have.
 */
import { lstat, mkdir, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { documentFolder } from './qms-cli-format.js';

export interface QmsProject {
  /** Real path of the project root. */
  root: string;
  /** Real path of `QMS/`. */
  qmsDir: string;
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
  return { root, qmsDir, lockDir: join(root, '.qms', 'locks') };
}

const DOC_FILE = /^([A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,10}){1,5}?)(-draft)?\.md$/;

/** Every controlled document: `<ID>.md` / `<ID>-draft.md` anywhere under QMS/ (dot folders and symlinks skipped) → its folder. */
export async function listDocuments(project: QmsProject): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile()) {
        const m = DOC_FILE.exec(entry.name);
        if (m?.[1] && !found.has(m[1])) found.set(m[1], dir);
      }
    }
  };
  await walk(project.qmsDir, 0);
  return found;
}

export interface DocumentCopies {
  id: string;
  /** Real path of the folder the document lives in (inside QMS/). */
  folder: string;
  /** That folder relative to QMS/ (what the archive mirrors). */
  relFolder: string;
  /** `<folder>/<ID>.md`: the effective/approved copy, when there is one. */
  effective?: string;
  /** `<folder>/<ID>-draft.md`: the working copy, when there is one. */
  draft?: string;
}

async function regularFile(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return false;
  if (!st.isFile()) throw new QmsError(`${path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; refusing to use it`, 'Controlled documents must be regular files inside QMS/.');
  return true;
}

/**
 * Where a (validated) id's copies are: qms-cli's folder for it first (`QMS/CR/CR-043/`), else
 * the folder its `<ID>.md` or `<ID>-draft.md` is found in anywhere under QMS/ (older layouts).
 * Paths are checked to be regular files whose real location is inside QMS/.
 */
export async function locateDocument(project: QmsProject, id: string, options: { mustExist?: boolean } = {}): Promise<DocumentCopies> {
  let folder = join(project.qmsDir, documentFolder(id));
  const has = async (dir: string): Promise<boolean> => (await regularFile(join(dir, `${id}.md`))) || (await regularFile(join(dir, `${id}-draft.md`)));
  if (!(await has(folder))) {
    const elsewhere = (await listDocuments(project)).get(id);
    if (!elsewhere) {
      if (options.mustExist === false) return { id, folder, relFolder: documentFolder(id) };
      throw new QmsError(`document ${id} not found in ${project.qmsDir}`, `Check the id (qms_status without arguments lists the documents); ${id} would be QMS/${documentFolder(id)}/${id}.md.`);
    }
    folder = elsewhere;
  }
  const real = await realpath(folder);
  if (real !== folder || !isInside(real, project.qmsDir)) {
    throw new QmsError(`document ${id} resolves outside the QMS tree`, 'Controlled documents must be regular files inside QMS/, not reached through symbolic links.');
  }
  const copies: DocumentCopies = { id, folder, relFolder: relative(project.qmsDir, folder) };
  if (await regularFile(join(folder, `${id}.md`))) copies.effective = join(folder, `${id}.md`);
  if (await regularFile(join(folder, `${id}-draft.md`))) copies.draft = join(folder, `${id}-draft.md`);
  return copies;
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

/**
 * The QMS operations behind the MCP tools, independent of MCP: inbox, status, read,
 * checkout (controlled copy → the user's workspace) and checkin (workspace → controlled copy,
 * atomically). Refusals are QmsErrors saying what is wrong and what to do; a refused
 * operation changes nothing.
 */
import { constants } from 'node:fs';
import { lstat, open, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { docType, validateDocId } from './doc-id.js';
import { documentTitle, parseFrontMatter } from './front-matter.js';
import { readMeta, sha256, withDocumentLock, writeMeta, type DocumentMeta } from './metadata.js';
import { listDocuments, locateDocument, userFolder, type QmsProject } from './qms-project.js';

/** Largest document accepted from a workspace. */
const MAX_DOC_BYTES = 10 * 1024 * 1024;

export interface InboxItem {
  name: string;
  title?: string;
  size: number;
  modified: string;
}

export async function inbox(project: QmsProject, user: string): Promise<InboxItem[]> {
  const dir = await userFolder(project, user, 'inbox', false);
  if (!dir) return [];
  const items: InboxItem[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const file = join(dir, entry.name);
    const st = await lstat(file);
    if (!st.isFile()) continue;
    const item: InboxItem = { name: entry.name, size: st.size, modified: st.mtime.toISOString() };
    if (entry.name.endsWith('.md') && st.size <= MAX_DOC_BYTES) {
      const title = documentTitle(await readFile(file, 'utf8'));
      if (title) item.title = title;
    }
    items.push(item);
  }
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

export interface WorkspaceItem {
  name: string;
  size: number;
  modified: string;
}

/** The user's workspace: its `*.md` files (the guard has refused anything but regular files). */
export async function workspace(project: QmsProject, user: string): Promise<WorkspaceItem[]> {
  const dir = await userFolder(project, user, 'workspace', false);
  if (!dir) return [];
  const items: WorkspaceItem[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.md')) continue;
    const st = await lstat(join(dir, entry.name));
    items.push({ name: entry.name, size: st.size, modified: st.mtime.toISOString() });
  }
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

export async function readDocument(project: QmsProject, rawId: unknown): Promise<{ id: string; path: string; text: string }> {
  const id = validateDocId(rawId);
  const path = await locateDocument(project, id);
  return { id, path: relative(project.root, path), text: await readFile(path, 'utf8') };
}

export interface DocumentStatus {
  doc_id: string;
  path: string;
  title: string | null;
  revision_summary: string | null;
  revision: number;
  sha256: string;
  /** The controlled copy differs from what the last check-in through this server wrote. */
  changed_outside_qms: boolean;
  checked_out: { by: string; at: string } | null;
  last_checkin: { by: string; at: string } | null;
}

export async function documentStatus(project: QmsProject, rawId: unknown): Promise<DocumentStatus> {
  const id = validateDocId(rawId);
  const file = await locateDocument(project, id);
  // Hashed as bytes, like checkout and checkin: hashing the decoded text would flag any
  // non-UTF-8 byte as a change made outside the QMS.
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  const meta = await readMeta(project, id);
  const fm = parseFrontMatter(text);
  const hash = sha256(bytes);
  return {
    doc_id: id,
    path: relative(project.root, file),
    title: documentTitle(text) ?? null,
    revision_summary: fm.revision_summary ?? null,
    revision: meta.revision,
    sha256: hash,
    changed_outside_qms: meta.sha256 !== null && meta.sha256 !== hash,
    checked_out: meta.checkout ? { by: meta.checkout.user, at: meta.checkout.checked_out_at } : null,
    last_checkin: meta.checked_in_by && meta.checked_in_at ? { by: meta.checked_in_by, at: meta.checked_in_at } : null,
  };
}

export interface Overview {
  documents: Record<string, string[]>;
  checked_out: Array<{ doc_id: string; by: string; at: string }>;
  inbox_items: number;
}

export async function overview(project: QmsProject, user: string): Promise<Overview> {
  const docs = await listDocuments(project);
  const documents: Record<string, string[]> = {};
  const checkedOut: Overview['checked_out'] = [];
  for (const id of [...docs.keys()].sort()) {
    (documents[docType(id)] ??= []).push(id);
    const meta = await readMeta(project, id).catch(() => undefined);
    if (meta?.checkout) checkedOut.push({ doc_id: id, by: meta.checkout.user, at: meta.checkout.checked_out_at });
  }
  return { documents, checked_out: checkedOut, inbox_items: (await inbox(project, user)).length };
}

/** The workspace copy's path after checking that nothing there is a symbolic link. */
async function workspaceCopy(project: QmsProject, user: string, id: string, create: boolean): Promise<string | undefined> {
  const dir = await userFolder(project, user, 'workspace', create);
  return dir && join(dir, `${id}.md`);
}

/**
 * Reads a workspace file without following a symbolic link planted in its place, and without
 * blocking on a FIFO planted there (O_NONBLOCK: the open returns, fstat then refuses it).
 */
async function readWorkspaceFile(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new QmsError(`refused: ${file} is a symbolic link`, 'Replace it with the edited document itself (a regular file); nothing was changed.');
    if (code === 'ENOENT') throw new QmsError(`refused: the workspace copy ${file} is missing`, 'Restore the edited document at that path and check in again; nothing was changed.');
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new QmsError(`refused: ${file} is not a regular file`, 'Put the edited document there as a regular file; nothing was changed.');
    if (st.size > MAX_DOC_BYTES) throw new QmsError(`refused: ${file} is larger than ${MAX_DOC_BYTES} bytes`, 'Shorten the document; nothing was changed.');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export interface CheckoutResult {
  doc_id: string;
  workspace_path: string;
  sha256: string;
  already: boolean;
}

export async function checkout(project: QmsProject, user: string, rawId: unknown): Promise<CheckoutResult> {
  const id = validateDocId(rawId);
  return withDocumentLock(project, id, async () => {
    const controlled = await locateDocument(project, id);
    const meta = await readMeta(project, id);
    const target = (await workspaceCopy(project, user, id, true))!;
    if (meta.checkout && meta.checkout.user !== user) {
      throw new QmsError(
        `refused: ${id} is checked out by ${meta.checkout.user} since ${meta.checkout.checked_out_at}`,
        `Wait until ${meta.checkout.user} checks it in.`,
      );
    }
    if (meta.checkout) {
      return { doc_id: id, workspace_path: relative(project.root, target), sha256: meta.checkout.sha256, already: true };
    }
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      throw new QmsError(
        `refused: the workspace already holds ${existing.isSymbolicLink() ? 'a symbolic link' : 'a file'} named ${id}.md (${relative(project.root, target)})`,
        'Move or delete that file (it is not a checkout on record), then check out again.',
      );
    }
    const data = await readFile(controlled);
    const hash = sha256(data);
    // `wx` (O_CREAT|O_EXCL) refuses anything already at the path, including a symlink planted meanwhile.
    const handle = await open(target, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      // The copy is the agent's to edit: give it to the workspace folder's owner (the agent's
      // uid when the server runs as root; a no-op otherwise).
      const folder = await stat(dirname(target));
      if (process.getuid?.() === 0 && folder.uid !== 0) await handle.chown(folder.uid, folder.gid);
    } finally {
      await handle.close();
    }
    try {
      await writeMeta(project, { ...meta, checkout: { user, checked_out_at: new Date().toISOString(), sha256: hash } });
    } catch (err) {
      await unlink(target).catch(() => undefined);
      throw err;
    }
    return { doc_id: id, workspace_path: relative(project.root, target), sha256: hash, already: false };
  });
}

export interface CheckinResult {
  doc_id: string;
  path: string;
  revision: number;
  sha256: string;
  changed: boolean;
}

export async function checkin(project: QmsProject, user: string, rawId: unknown): Promise<CheckinResult> {
  const id = validateDocId(rawId);
  return withDocumentLock(project, id, async () => {
    const controlled = await locateDocument(project, id);
    const meta: DocumentMeta = await readMeta(project, id);
    if (!meta.checkout) {
      throw new QmsError(`refused: ${id} is not checked out`, `Check it out first (qms_checkout ${id}), edit the workspace copy, then check in; nothing was changed.`);
    }
    if (meta.checkout.user !== user) {
      throw new QmsError(`refused: ${id} is checked out by ${meta.checkout.user}, not by ${user}`, `Only ${meta.checkout.user} can check it in; nothing was changed.`);
    }
    const current = await readFile(controlled);
    if (sha256(current) !== meta.checkout.sha256) {
      throw new QmsError(
        `refused: the controlled copy of ${id} changed since it was checked out at ${meta.checkout.checked_out_at}`,
        'Someone changed QMS/ directly; compare your workspace copy with qms_read and reconcile with a QMS administrator. Nothing was overwritten.',
      );
    }
    const target = (await workspaceCopy(project, user, id, false)) ?? join(project.root, '.claude', 'users', user, 'workspace', `${id}.md`);
    const edited = await readWorkspaceFile(target);
    const newHash = sha256(edited);
    const changed = newHash !== meta.checkout.sha256;
    const now = new Date().toISOString();
    const next: DocumentMeta = { ...meta, checkout: null };
    if (changed) {
      const mode = (await stat(controlled)).mode & 0o777;
      // The bytes as edited: the recorded hash is over them, a utf8 round trip would change any invalid byte.
      await atomicWrite(controlled, edited, mode);
      const summary = parseFrontMatter(edited.toString('utf8')).revision_summary;
      next.revision = meta.revision + 1;
      next.checked_in_by = user;
      next.checked_in_at = now;
      next.sha256 = newHash;
      next.history = [...meta.history, { revision: next.revision, user, at: now, sha256: newHash, ...(summary ? { revision_summary: summary } : {}) }].slice(-50);
    }
    await writeMeta(project, next);
    await unlink(target).catch(() => undefined);
    return { doc_id: id, path: relative(project.root, controlled), revision: next.revision, sha256: changed ? newHash : meta.checkout.sha256, changed };
  });
}

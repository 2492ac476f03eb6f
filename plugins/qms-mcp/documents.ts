/**
 * The QMS operations of the built-in backend, independent of MCP, in qms-cli's on-disk format
 * (qms-cli-format.ts) so qms-cli can take the repository over: inbox, workspace, status, read
 * (current, a version from the archive, the draft), checkout (the draft — made from the
 * effective copy as N.1, which is archived — copied to the user's workspace) and checkin
 * (workspace → `<ID>-draft.md`, never `<ID>.md`), each change with its `.meta` update and
 * `.audit` event. CLOSED/RETIRED documents and documents in review or approval are refused;
 * a workspace file is removed only when this backend wrote it (its record in
 * `.qms/qms-mcp/checkouts/`). Refusals are QmsErrors saying what is wrong and what to do; a
 * refused operation changes nothing.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { validateDocId } from './doc-id.js';
import { documentTitle } from './front-matter.js';
import { readMeta, sha256, withDocumentLock, writeMeta } from './metadata.js';
import { appendAudit, archivePath, draftVersionFrom, initialMeta, registryType, today, type QmsCliMeta } from './qms-cli-format.js';
import { listDocuments, locateDocument, userFolder, type QmsProject } from './qms-project.js';

/** Largest document accepted from a workspace. */
const MAX_DOC_BYTES = 10 * 1024 * 1024;

/** Statuses a document can be checked out in: not while reviewers or approvers look at it, never once closed. */
const TERMINAL = new Set(['CLOSED', 'RETIRED']);
const IN_WORKFLOW = /^IN_(?:PRE_|POST_)?(?:REVIEW|APPROVAL)$/;

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

export interface ReadOptions {
  /** A past version from the archive, e.g. `1.0`. */
  version?: string;
  /** The draft (working copy) instead of the effective copy. */
  draft?: boolean;
}

/** qms-cli's read: the effective copy, else the draft; or the draft; or an archived version. */
export async function readDocument(project: QmsProject, rawId: unknown, options: ReadOptions = {}): Promise<{ id: string; path: string; text: string }> {
  const id = validateDocId(rawId);
  if (options.version !== undefined && options.draft) throw new QmsError('refused: pass either version or draft, not both', 'Read a past version with version, or the working copy with draft: true.');
  const copies = await locateDocument(project, id);
  let path: string | undefined;
  if (options.version !== undefined) {
    if (!/^\d{1,4}\.\d{1,4}$/.test(options.version)) throw new QmsError(`invalid version ${JSON.stringify(options.version.slice(0, 20))}`, 'A version is major.minor, e.g. 1.0 or 2.1.');
    // As qms-cli: past versions come from the archive only.
    const archived = archivePath(project.qmsDir, copies.relFolder, id, options.version);
    if (await lstat(archived).then((st) => st.isFile(), () => false)) path = archived;
    else throw new QmsError(`version ${options.version} of ${id} is not in the archive`, `Leave version out for the current text (qms_status ${id} gives its version and effective version).`);
  } else if (options.draft) {
    if (!copies.draft) throw new QmsError(`${id} has no draft`, `Leave draft out to read its effective text; qms_checkout ${id} makes a draft.`);
    path = copies.draft;
  } else path = copies.effective ?? copies.draft;
  return { id, path: relative(project.root, path!), text: await readFile(path!, 'utf8') };
}

export interface DocumentStatus {
  doc_id: string;
  doc_type: string;
  path: string;
  location: 'effective' | 'draft';
  title: string | null;
  version: string;
  status: string;
  responsible_user: string | null;
  checked_out: boolean;
  checked_out_date: string | null;
  effective_version: string | null;
}

/** The status of a document as qms-cli's `.meta` says it (a document without any reads as effective 1.0). */
export async function documentStatus(project: QmsProject, rawId: unknown): Promise<DocumentStatus> {
  const id = validateDocId(rawId);
  const copies = await locateDocument(project, id);
  const file = (copies.draft ?? copies.effective)!;
  const meta = (await readMeta(project, id)) ?? initialMeta(id, copies.effective ? 'EFFECTIVE' : 'DRAFT', copies.effective ? '1.0' : '0.1');
  return {
    doc_id: id,
    doc_type: meta.doc_type,
    path: relative(project.root, file),
    location: copies.draft ? 'draft' : 'effective',
    title: documentTitle(await readFile(file, 'utf8')) ?? null,
    version: meta.version,
    status: meta.status,
    responsible_user: meta.responsible_user,
    checked_out: meta.checked_out === true,
    checked_out_date: meta.checked_out_date,
    effective_version: meta.effective_version,
  };
}

export interface Overview {
  documents: Record<string, string[]>;
  checked_out: Array<{ doc_id: string; by: string | null; since: string | null }>;
  inbox_items: number;
}

export async function overview(project: QmsProject, user: string): Promise<Overview> {
  const docs = await listDocuments(project);
  const documents: Record<string, string[]> = {};
  const checkedOut: Overview['checked_out'] = [];
  for (const id of [...docs.keys()].sort()) {
    (documents[registryType(id)] ??= []).push(id);
    const meta = await readMeta(project, id).catch(() => undefined);
    if (meta?.checked_out) checkedOut.push({ doc_id: id, by: meta.responsible_user, since: meta.checked_out_date });
  }
  return { documents, checked_out: checkedOut, inbox_items: (await inbox(project, user)).length };
}

/** This backend's record of a checkout it made: what it wrote to the workspace, so check-in removes only that. */
const checkoutRecord = (project: QmsProject, id: string, user: string): string => join(project.root, '.qms', 'qms-mcp', 'checkouts', `${id}@${user}.json`);

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

function refuseStatus(id: string, meta: QmsCliMeta): void {
  if (TERMINAL.has(meta.status)) {
    throw new QmsError(`refused: ${id} is ${meta.status}; a ${meta.status.toLowerCase()} document is never edited`, 'Create a new document (or a child record) for further changes; nothing was changed.');
  }
  if (IN_WORKFLOW.test(meta.status)) {
    throw new QmsError(`refused: ${id} is ${meta.status}: reviewers or approvers have it`, 'Wait until the workflow step ends (or withdraw it with qms-cli); nothing was changed.');
  }
}

export interface CheckoutResult {
  doc_id: string;
  workspace_path: string;
  version: string;
  already: boolean;
  /** Set when the checkout made a new draft from the effective copy. */
  from_version?: string;
}

export async function checkout(project: QmsProject, user: string, rawId: unknown): Promise<CheckoutResult> {
  const id = validateDocId(rawId);
  return withDocumentLock(project, id, async () => {
    const copies = await locateDocument(project, id);
    const stored = await readMeta(project, id);
    const meta = stored ?? initialMeta(id, copies.effective ? 'EFFECTIVE' : 'DRAFT', copies.effective ? '1.0' : '0.1');
    refuseStatus(id, meta);
    const target = (await workspaceCopy(project, user, id, true))!;
    if (meta.checked_out && meta.responsible_user !== user) {
      throw new QmsError(`refused: ${id} is checked out by ${meta.responsible_user ?? 'someone'} since ${meta.checked_out_date ?? '?'}`, `Wait until ${meta.responsible_user ?? 'they'} check it in.`);
    }
    if (meta.checked_out) return { doc_id: id, workspace_path: relative(project.root, target), version: meta.version, already: true };
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      throw new QmsError(
        `refused: the workspace already holds ${existing.isSymbolicLink() ? 'a symbolic link' : 'a file'} named ${id}.md (${relative(project.root, target)})`,
        'Move or delete that file (it is not a checkout on record), then check out again.',
      );
    }

    // The working copy: the draft, or a new N.1 draft made from the effective copy (archived first).
    let next: QmsCliMeta = { ...meta, responsible_user: user, checked_out: true, checked_out_date: today() };
    let fromVersion: string | undefined;
    let source: string;
    const created: string[] = [];
    if (copies.draft) source = copies.draft;
    else {
      const effective = copies.effective!;
      fromVersion = meta.version;
      next = { ...next, version: draftVersionFrom(meta.version), status: 'DRAFT', effective_version: meta.version };
      const archived = archivePath(project.qmsDir, copies.relFolder, id, meta.version);
      if (!(await lstat(archived).then(() => true, () => false))) {
        await mkdir(dirname(archived), { recursive: true });
        await copyFile(effective, archived, constants.COPYFILE_EXCL);
        created.push(archived);
      }
      const draft = join(copies.folder, `${id}-draft.md`);
      await copyFile(effective, draft, constants.COPYFILE_EXCL);
      created.push(draft);
      source = draft;
    }
    const data = await readFile(source);
    try {
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
      created.push(target);
      const record = checkoutRecord(project, id, user);
      await mkdir(dirname(record), { recursive: true, mode: 0o700 });
      await atomicWrite(record, `${JSON.stringify({ doc_id: id, user, workspace: relative(project.root, target), draft_sha256: sha256(data), at: new Date().toISOString() })}\n`, 0o600);
      created.push(record);
      await writeMeta(project, next);
    } catch (err) {
      for (const f of created.reverse()) await unlink(f).catch(() => undefined);
      throw err;
    }
    await appendAudit(project.qmsDir, id, 'CHECKOUT', user, next.version, fromVersion ? { from_version: fromVersion } : {});
    return { doc_id: id, workspace_path: relative(project.root, target), version: next.version, already: false, ...(fromVersion ? { from_version: fromVersion } : {}) };
  });
}

export interface CheckinResult {
  doc_id: string;
  /** The draft written. */
  path: string;
  version: string;
  changed: boolean;
  /** Whether the workspace copy was removed (only one this backend wrote is). */
  removed_workspace_copy: boolean;
}

export async function checkin(project: QmsProject, user: string, rawId: unknown): Promise<CheckinResult> {
  const id = validateDocId(rawId);
  return withDocumentLock(project, id, async () => {
    const copies = await locateDocument(project, id);
    const meta = await readMeta(project, id);
    if (!meta?.checked_out) {
      throw new QmsError(`refused: ${id} is not checked out`, `Check it out first (qms_checkout ${id}), edit the workspace copy, then check in; nothing was changed.`);
    }
    if (meta.responsible_user !== user) {
      throw new QmsError(`refused: ${id} is checked out by ${meta.responsible_user ?? 'someone else'}, not by ${user}`, `Only ${meta.responsible_user ?? 'its owner'} can check it in; nothing was changed.`);
    }
    refuseStatus(id, meta);
    const draft = copies.draft ?? join(copies.folder, `${id}-draft.md`);
    let next: QmsCliMeta = { ...meta, checked_out: false, checked_out_date: null };
    if (!copies.draft && copies.effective && meta.status === 'EFFECTIVE') {
      // A checkout an older qms made straight from the effective copy: the edit becomes the N.1 draft.
      const archived = archivePath(project.qmsDir, copies.relFolder, id, meta.version);
      if (!(await lstat(archived).then(() => true, () => false))) {
        await mkdir(dirname(archived), { recursive: true });
        await copyFile(copies.effective, archived, constants.COPYFILE_EXCL);
      }
      next = { ...next, version: draftVersionFrom(meta.version), status: 'DRAFT', effective_version: meta.version };
    }
    const recordFile = checkoutRecord(project, id, user);
    const record = await readFile(recordFile, 'utf8').then((t) => JSON.parse(t) as { draft_sha256?: string }, () => undefined);
    const current = copies.draft ? await readFile(copies.draft) : undefined;
    if (record?.draft_sha256 && current && sha256(current) !== record.draft_sha256) {
      throw new QmsError(
        `refused: the draft of ${id} changed since it was checked out`,
        'Someone changed QMS/ directly; compare your workspace copy with qms_read (draft: true) and reconcile with a QMS administrator. Nothing was overwritten.',
      );
    }
    const target = (await workspaceCopy(project, user, id, false)) ?? join(project.root, '.claude', 'users', user, 'workspace', `${id}.md`);
    const edited = await readWorkspaceFile(target);
    const changed = !current || !current.equals(edited);
    const mode = current ? (await stat(draft)).mode & 0o777 : 0o644;
    // The bytes as edited: a utf8 round trip would change any invalid byte. Never `<ID>.md`.
    await atomicWrite(draft, edited, mode);
    if (['REVIEWED', 'PRE_REVIEWED', 'POST_REVIEWED'].includes(meta.status)) {
      // qms-cli's rule: a reviewed document that changes goes back to DRAFT.
      Object.assign(next, { status: 'DRAFT', pending_reviewers: [], completed_reviewers: [], review_outcomes: {} });
    }
    await writeMeta(project, next);
    await appendAudit(project.qmsDir, id, 'CHECKIN', user, next.version);
    // Only a copy this backend put there is removed: a file another tool's checkout wrote stays.
    let removed = false;
    if (record) {
      await unlink(target).catch(() => undefined);
      await rm(recordFile, { force: true });
      removed = true;
    }
    return { doc_id: id, path: relative(project.root, draft), version: next.version, changed, removed_workspace_copy: removed };
  });
}

/**
 * Per-document metadata of the built-in backend, in qms-cli's shape and place
 * (`QMS/.meta/<type>/<ID>.json`, see qms-cli-format.ts), read and written under a per-document
 * cross-process lock, atomically. Metadata an older qms wrote (`revision`, `checkout`, …) is
 * read as what it meant — an effective document, maybe checked out — and rewritten in
 * qms-cli's shape on the next change.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { withFileLock } from '../../tasks/state/lock.js';
import { QmsError } from '../../tasks/errors.js';
import { initialMeta, metaPath, serializeMeta, type QmsCliMeta } from './qms-cli-format.js';
import type { QmsProject } from './qms-project.js';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export const metaFile = (project: QmsProject, id: string): string => metaPath(project.qmsDir, id);

/** What an older qms wrote: `{ doc_id, revision, checkout: { user, checked_out_at } | null, … }`. */
interface LegacyMeta {
  doc_id: string;
  revision: number;
  checkout?: { user?: unknown; checked_out_at?: unknown } | null;
}

function fromLegacy(id: string, legacy: LegacyMeta): QmsCliMeta {
  const meta = initialMeta(id, 'EFFECTIVE', '1.0');
  const user = typeof legacy.checkout?.user === 'string' ? legacy.checkout.user : null;
  if (user) {
    meta.responsible_user = user;
    meta.checked_out = true;
    meta.checked_out_date = typeof legacy.checkout?.checked_out_at === 'string' ? legacy.checkout.checked_out_at.slice(0, 10) : null;
  }
  return meta;
}

/** The document's metadata, or undefined when it has none. */
export async function readMeta(project: QmsProject, id: string): Promise<QmsCliMeta | undefined> {
  const file = metaFile(project, id);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null || parsed.doc_id !== id) throw new Error(`doc_id is not ${id}`);
  } catch (err) {
    throw new QmsError(`metadata of ${id} is unreadable (${file}: ${(err as Error).message}); nothing was changed`, 'Ask a QMS administrator to repair it from git history; do not delete it (it holds the workflow state).');
  }
  if (typeof parsed.revision === 'number' && parsed.status === undefined) return fromLegacy(id, parsed as unknown as LegacyMeta);
  if (typeof parsed.status !== 'string' || typeof parsed.version !== 'string') {
    throw new QmsError(`metadata of ${id} has no status or version (${file}); nothing was changed`, 'Ask a QMS administrator to repair it from git history; do not delete it (it holds the workflow state).');
  }
  return parsed as QmsCliMeta;
}

export async function writeMeta(project: QmsProject, meta: QmsCliMeta): Promise<void> {
  const file = metaFile(project, meta.doc_id);
  await mkdir(dirname(file), { recursive: true });
  await atomicWrite(file, serializeMeta(meta), 0o644);
}

/** Serialises every change to one document across processes (two check-ins cannot interleave). */
export function withDocumentLock<T>(project: QmsProject, id: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(project.lockDir, `qms-doc-${id}.lock`), fn, { timeoutMs: 15_000, description: `document ${id}` });
}

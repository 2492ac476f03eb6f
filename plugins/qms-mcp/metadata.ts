/**
 * Per-document metadata kept beside the controlled documents, in `QMS/.meta/<TYPE>/<DOC-ID>.json`
 * (part of the controlled record, visible read-only to agents): revision, who checked in
 * when with which hash, the open checkout (who, when, the hash it was taken from) and a short
 * history. Changes happen under a per-document cross-process lock, written atomically.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { withFileLock } from '../../tasks/state/lock.js';
import { QmsError } from '../../tasks/errors.js';
import { docType } from './doc-id.js';
import type { QmsProject } from './qms-project.js';

export interface CheckoutRecord {
  user: string;
  checked_out_at: string;
  /** sha256 of the controlled copy when it was checked out. */
  sha256: string;
}

export interface HistoryEntry {
  revision: number;
  user: string;
  at: string;
  sha256: string;
  revision_summary?: string;
}

export interface DocumentMeta {
  doc_id: string;
  /** Check-ins through this server; 0 for a document never checked in here. */
  revision: number;
  checked_in_by: string | null;
  checked_in_at: string | null;
  /** sha256 of the controlled copy after the last check-in (null before the first). */
  sha256: string | null;
  checkout: CheckoutRecord | null;
  history: HistoryEntry[];
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export const metaFile = (project: QmsProject, id: string): string => join(project.metaDir, docType(id), `${id}.json`);

export async function readMeta(project: QmsProject, id: string): Promise<DocumentMeta> {
  const file = metaFile(project, id);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { doc_id: id, revision: 0, checked_in_by: null, checked_in_at: null, sha256: null, checkout: null, history: [] };
    }
    throw err;
  }
  try {
    const meta = JSON.parse(text) as DocumentMeta;
    if (meta.doc_id !== id || typeof meta.revision !== 'number') throw new Error('fields missing');
    meta.history ??= [];
    meta.checkout ??= null;
    return meta;
  } catch (err) {
    throw new QmsError(`metadata of ${id} is unreadable (${file}: ${(err as Error).message})`, 'Restore the file from git (git checkout -- QMS/.meta) or ask a QMS administrator.');
  }
}

export async function writeMeta(project: QmsProject, meta: DocumentMeta): Promise<void> {
  const file = metaFile(project, meta.doc_id);
  await mkdir(join(project.metaDir, docType(meta.doc_id)), { recursive: true });
  await atomicWrite(file, `${JSON.stringify(meta, null, 2)}\n`, 0o644);
}

/** Serialises every change to one document across processes (two check-ins cannot interleave). */
export function withDocumentLock<T>(project: QmsProject, id: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(project.lockDir, `qms-doc-${id}.lock`), fn, { timeoutMs: 15_000, description: `document ${id}` });
}

/**
 * The host's own record of each agent's latest verification. The evidence verify writes into the
 * session folder is for people (a change record), but the agents can write that folder: an agent
 * could rewrite a failed verification as passed. A reader that must not be lied to (the API and
 * its dashboard) reads this record instead — `.qms/verify/evidence-<agent>.json`: the report, its
 * Markdown, the session file they were written to and that file's sha256 — kept in `.qms/`, which
 * no container can see, and can tell whether the session folder's copy still holds what was written.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { ensureQmsSubdir, qmsDir } from '../../tasks/state/qms-dir.js';
import type { VerificationReport } from './report.js';
import { reportMarkdown, type WrittenReport } from './write-report.js';

export interface HostRecord {
  /** Project-relative path of the JSON evidence in the session folder; null when it could not be written there. */
  file: string | null;
  /** sha256 of that file's bytes as written (null with `file`). */
  sha256: string | null;
  report: VerificationReport;
  markdown: string;
}

const recordName = (agent: string): string => `evidence-${agent}.json`;
export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** Keeps `report` as `agent`'s latest; `written`: its copy in the session folder, undefined when that could not be written. */
export async function keepHostRecord(root: string, agent: string, written: WrittenReport | undefined, report: VerificationReport): Promise<void> {
  const record: HostRecord = written
    ? { file: relative(root, written.json), sha256: sha256(written.text.json), report, markdown: written.text.markdown }
    : { file: null, sha256: null, report, markdown: reportMarkdown(report) };
  await atomicWrite(join(await ensureQmsSubdir(root, 'verify'), recordName(agent)), `${JSON.stringify(record)}\n`, 0o600);
}

/** The record of `agent`'s latest verification, or undefined when there is none (or it is unreadable). */
export async function readHostRecord(root: string, agent: string): Promise<HostRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(qmsDir(root), 'verify', recordName(agent)), 'utf8')) as HostRecord;
    return (record.file === null || typeof record.file === 'string') && typeof record.markdown === 'string' && record.report ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make-style up-to-date checks from a task's `sources`/`outputs`: the task is skipped when
 * the content hash of its sources (with its `inputs`, its sources/outputs lists and its `run`
 * code) equals the one recorded after its last successful run and every `outputs` entry
 * matches a file. The record is `.qms/tasks/<task>.json`, written after a success and removed
 * after a failure (so a failed run is never mistaken for an up-to-date one). It keeps each
 * file's hash, so a changed run says which sources changed.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureQmsSubdir, qmsDir } from '../state/qms-dir.js';
import type { ResolvedTask } from '../types.js';
import { FileIndex, isGlob, normalizePattern } from './glob.js';

interface Record {
  version: 1;
  hash: string;
  at: string;
  files: { [path: string]: string };
}

export interface Fingerprint {
  hash: string;
  files: { [path: string]: string };
}

/** The `why` of a task that never succeeded before (not worth a line in its output). */
export const NO_RECORD = 'no successful run recorded';

export type Verdict = { upToDate: true; reason: string } | { upToDate: false; fingerprint: Fingerprint; why: string };

const recordFile = (root: string, task: string) => join(qmsDir(root), 'tasks', `${encodeURIComponent(task)}.json`);

async function hashFile(file: string): Promise<string> {
  // Sources are source files: read whole (a stream costs more than the hash for small ones).
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** At most this many files are read at once across the run (a thousand tasks hash in parallel). */
const MAX_OPEN = 64;
let open = 0;
const waiting: Array<() => void> = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (open >= MAX_OPEN) await new Promise<void>((r) => waiting.push(r));
  open++;
  try {
    return await fn();
  } finally {
    open--;
    waiting.shift()?.();
  }
}

export async function fingerprint(root: string, index: FileIndex, task: ResolvedTask): Promise<Fingerprint> {
  const paths = await index.match(task.sources ?? []);
  const files: Fingerprint['files'] = {};
  const hashes = await Promise.all(paths.map((p) => limited(() => hashFile(join(root, p)).catch(() => 'unreadable'))));
  paths.forEach((p, i) => (files[p] = hashes[i]!));
  const h = createHash('sha256');
  h.update(JSON.stringify({ sources: task.sources, outputs: task.outputs ?? [], inputs: task.inputs ?? null, run: String(task.run) }));
  for (const p of paths) h.update(`\0${p}\0${files[p]}`);
  return { hash: h.digest('hex'), files };
}

async function readRecord(root: string, task: string): Promise<Record | undefined> {
  try {
    const r = JSON.parse(await readFile(recordFile(root, task), 'utf8')) as Record;
    return r.version === 1 && typeof r.hash === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The `outputs` entries that match no file. */
async function missingOutputs(root: string, index: FileIndex, outputs: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const o of outputs) {
    const found = isGlob(o) ? (await index.match([o])).length > 0 : existsSync(join(root, normalizePattern(o)));
    if (!found) missing.push(o);
  }
  return missing;
}

function changed(before: Record['files'], now: Fingerprint['files']): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...names].filter((n) => before[n] !== now[n]).sort();
}

export async function checkUpToDate(root: string, index: FileIndex, task: ResolvedTask): Promise<Verdict> {
  const [fp, record] = await Promise.all([fingerprint(root, index, task), readRecord(root, task.name)]);
  const count = Object.keys(fp.files).length;
  if (!record) return { upToDate: false, fingerprint: fp, why: NO_RECORD };
  if (record.hash !== fp.hash) {
    const files = changed(record.files, fp.files);
    const why = files.length
      ? `sources changed: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`
      : 'its definition or inputs changed';
    return { upToDate: false, fingerprint: fp, why };
  }
  // Outputs are looked at afresh (an output may have been deleted since the last run).
  const missing = await missingOutputs(root, new FileIndex(root), task.outputs ?? []);
  if (missing.length) return { upToDate: false, fingerprint: fp, why: `outputs missing: ${missing.join(', ')}` };
  return { upToDate: true, reason: `up to date: ${count} source file${count === 1 ? '' : 's'} unchanged since ${record.at}${task.outputs?.length ? ', outputs exist' : ''}` };
}

/** `.qms/tasks/` of each root, made once per process rather than once per task. */
const ensured = new Map<string, Promise<string>>();

export async function recordSuccess(root: string, task: string, fp: Fingerprint): Promise<void> {
  let made = ensured.get(root);
  if (!made) ensured.set(root, (made = ensureQmsSubdir(root, 'tasks')));
  const dir = await made.catch((err: unknown) => {
    ensured.delete(root);
    throw err;
  });
  const record: Record = { version: 1, hash: fp.hash, at: new Date().toISOString(), files: fp.files };
  // Written whole (temp file, rename) but not fsynced: a record lost in a crash only means the
  // task runs once more, and a thousand fsyncs would cost more than the tasks.
  const file = join(dir, `${encodeURIComponent(task)}.json`);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function forgetRun(root: string, task: string): Promise<void> {
  await unlink(recordFile(root, task)).catch(() => undefined);
}

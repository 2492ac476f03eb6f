/**
 * The content hash that says whether the image is up to date: sha256 over the sorted context
 * entries (path, type, mode, content or link target) after `.dockerignore`, the Dockerfile's
 * name and the build args. File contents are streamed; no tar is built for it.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ContextEntry } from './context-files.js';

export interface BuildInputs {
  entries: readonly ContextEntry[];
  dockerfile: string;
  buildArgs: Readonly<Record<string, string>>;
}

/** Files up to this size are read whole (faster than a stream for the usual small context). */
const READ_WHOLE_LIMIT = 1 << 20;

export async function buildHash(inputs: BuildInputs): Promise<string> {
  const hash = createHash('sha256');
  hash.update('qms-build-hash-v1\0');
  hash.update(`dockerfile\0${inputs.dockerfile}\0`);
  for (const key of Object.keys(inputs.buildArgs).sort()) {
    hash.update(`arg\0${key}\0${inputs.buildArgs[key]}\0`);
  }
  for (const entry of inputs.entries) {
    hash.update(`${entry.type}\0${entry.path}\0${entry.mode.toString(8)}\0`);
    if (entry.type === 'symlink') hash.update(`${entry.linkTarget ?? ''}\0`);
    if (entry.type === 'file') {
      hash.update(`${entry.size}\0`);
      await hashFile(hash, entry);
    }
  }
  return hash.digest('hex');
}

async function hashFile(hash: Hash, entry: ContextEntry): Promise<void> {
  if (entry.size <= READ_WHOLE_LIMIT) {
    hash.update(await readFile(entry.source));
    return;
  }
  for await (const chunk of createReadStream(entry.source)) hash.update(chunk as Buffer);
}

/** The short form shown to users. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

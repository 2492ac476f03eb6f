/**
 * What the masked-dir probe reads for `.qms/`: every file the host has there (state, MCP tokens,
 * logs, overlays; at most MAX_FILES) plus a canary written for this run with fresh random
 * content, so the check proves by effect that nothing under `.qms/` reaches the container.
 * The canary is removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureQmsSubdir, qmsDir } from '../../tasks/state/qms-dir.js';

const MAX_FILES = 200;

export interface MaskedDirProbe {
  /** Paths relative to `.qms/`. */
  files: string[];
  cleanup(): Promise<void>;
}

export async function prepareMaskedDirProbe(root: string, nonce: string): Promise<MaskedDirProbe> {
  const dir = await ensureQmsSubdir(root, 'verify');
  const canary = join(dir, `canary-${nonce}`);
  await writeFile(canary, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  const files: string[] = [];
  const pending = [''];
  while (pending.length > 0 && files.length < MAX_FILES) {
    const rel = pending.shift()!;
    const entries: Dirent[] = await readdir(join(qmsDir(root), rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) pending.push(path);
      else if (e.isFile() && files.length < MAX_FILES) files.push(path);
    }
  }
  const canaryRel = `verify/canary-${nonce}`;
  if (!files.includes(canaryRel)) files.push(canaryRel);
  return { files, cleanup: () => rm(canary, { force: true }) };
}

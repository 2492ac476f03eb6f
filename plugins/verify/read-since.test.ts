/**
 * readSince: what an append-only log gained since a size was noted (a check's own lines, not the
 * history), including a log rotated to `.1` meanwhile, and an unreadable one.
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSince } from './read-since.js';

const dir = mkdtempSync(join(tmpdir(), 'qms-read-since-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSince', () => {
  it('reads only what was appended since the noted size (multi-byte text too)', async () => {
    const file = join(dir, 'a.log');
    writeFileSync(file, 'old line ✓\n'.repeat(1000));
    const from = statSync(file).size;
    appendFileSync(file, 'new line ✓\n');
    expect(await readSince(file, from)).toBe('new line ✓\n');
    expect(await readSince(file, statSync(file).size)).toBe('');
  });

  it('after a rotation: the rest of the previous generation, then the new file whole', async () => {
    const file = join(dir, 'b.log');
    writeFileSync(file, 'history\n'.repeat(100));
    const from = statSync(file).size;
    appendFileSync(file, 'mine before the rotation\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'mine after it\n');
    expect(await readSince(file, from, `${file}.1`)).toBe('mine before the rotation\nmine after it\n');
    // A log that does not rotate: the new file whole.
    expect(await readSince(file, from)).toBe('mine after it\n');
  });

  it('is empty for a file that is not there', async () => {
    expect(await readSince(join(dir, 'missing.log'), 0)).toBe('');
  });
});

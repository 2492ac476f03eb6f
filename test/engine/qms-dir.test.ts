/**
 * `.qms/` ignores itself: whatever creates it (the state store's writes and locks, the container
 * plugin's overlays through ensureQmsDir) leaves a `.qms/.gitignore` holding `*`, so a real
 * `git add -A` in the project stages nothing under it, even when the project's own .gitignore
 * does not list `.qms/`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureQmsDir, ensureQmsSubdir } from '../../tasks/state/qms-dir.js';
import { createStateStore } from '../../tasks/state/state-store.js';
import { tempDir } from './harness.js';

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

describe('.qms/ ignores itself', () => {
  it('ensureQmsDir creates .qms/ 0700 with a .gitignore holding *, and never rewrites an existing one', async () => {
    tmp = tempDir();
    const dir = await ensureQmsDir(tmp.dir);
    expect(dir).toBe(join(tmp.dir, '.qms'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('*\n');
    writeFileSync(join(dir, '.gitignore'), '*\n# kept\n');
    await ensureQmsDir(tmp.dir);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('*\n# kept\n');
    chmodSync(dir, 0o755);
    await ensureQmsDir(tmp.dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const sub = await ensureQmsSubdir(tmp.dir, 'verify');
    expect(statSync(sub).mode & 0o777).toBe(0o700);
  });

  it('the state store writes it on its first put, and on its first lock', async () => {
    tmp = tempDir();
    await createStateStore({ root: tmp.dir }).put({ id: 'x', kind: 'process', plugin: 'p', createdAt: new Date(0).toISOString(), data: {} });
    expect(readFileSync(join(tmp.dir, '.qms', '.gitignore'), 'utf8')).toBe('*\n');
    const other = tempDir();
    try {
      const seen = await createStateStore({ root: other.dir }).withLock('mcp-qms', async () => readFileSync(join(other.dir, '.qms', '.gitignore'), 'utf8'));
      expect(seen).toBe('*\n');
    } finally {
      other.cleanup();
    }
  });

  it('a real `git add -A` in the project stages nothing under .qms/', async () => {
    tmp = tempDir();
    git(tmp.dir, 'init', '-q');
    writeFileSync(join(tmp.dir, 'README.md'), 'hi\n');
    const store = createStateStore({ root: tmp.dir });
    await store.put({ id: 'x', kind: 'process', plugin: 'p', createdAt: new Date(0).toISOString(), data: {} });
    mkdirSync(join(tmp.dir, '.qms', 'mcp'), { recursive: true });
    writeFileSync(join(tmp.dir, '.qms', 'mcp', 'qms.token'), 'secret-token\n');
    git(tmp.dir, 'add', '-A');
    expect(git(tmp.dir, 'diff', '--cached', '--name-only').split('\n').filter(Boolean)).toEqual(['README.md']);
    expect(git(tmp.dir, 'status', '--porcelain', '--ignored').split('\n')).toContain('!! .qms/');
  });
});

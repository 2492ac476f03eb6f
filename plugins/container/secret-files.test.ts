/** findSecretFiles on a real folder tree: what is a host secret to mask, and what is not searched. */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { findSecretFiles } from './secret-files.js';

// Folders whose next readdir fails (EIO), as a flaky disk or a folder briefly unreadable would.
const failReads = vi.hoisted(() => new Set<string>());
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readdir = ((path: string, ...rest: unknown[]) => {
    if (failReads.delete(String(path))) return Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    return (fs.readdir as (...a: unknown[]) => Promise<unknown>)(path, ...rest);
  }) as typeof fs.readdir;
  return { ...fs, readdir };
});

const root = mkdtempSync(join(tmpdir(), 'qms-secrets-'));
const outside = mkdtempSync(join(tmpdir(), 'qms-outside-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function file(rel: string, text = 'X=1\n', base = root): void {
  mkdirSync(dirname(join(base, rel)), { recursive: true });
  writeFileSync(join(base, rel), text);
}

describe('findSecretFiles', () => {
  it('finds every regular .env* file, skips what is not the host user\'s, and masks the in-project target of a .env* link', async () => {
    for (const f of ['.env', '.env.local', '.envrc', '.env.example', 'docker/.env', 'apps/web/config/.env.production', 'config/secret.txt']) file(f);
    // Not searched: git internals, dependencies, qms's own folder (masked whole), agent-writable folders.
    for (const f of ['.git/.env', 'node_modules/pkg/.env', 'apps/web/node_modules/x/.env', '.qms/.env', '.claude/sessions/S1/.env', '.claude/users/claude/workspace/.env', '.claude/users/qa/workspace/.env']) file(f);
    // Not secrets by name, or not files: a virtualenv folder called .env is walked, not masked.
    file('.env-venv/bin/activate');
    mkdirSync(join(root, 'py', '.env', 'lib'), { recursive: true });
    file('environment.txt');
    // Links: to a file in the project (mask the target), outside it, into a workspace, dangling.
    symlinkSync('config/secret.txt', join(root, '.env.link'));
    file('real.env', 'X=1\n', outside);
    symlinkSync(join(outside, 'real.env'), join(root, '.env.outside'));
    symlinkSync('.claude/users/claude/workspace/.env', join(root, '.env.agent'));
    symlinkSync('nowhere', join(root, '.env.dangling'));
    // A linked folder is not followed.
    file('.env', 'X=1\n', join(outside, 'dir'));
    symlinkSync(join(outside, 'dir'), join(root, 'linked'));

    expect(await findSecretFiles(root)).toEqual(['.env', '.env.example', '.env.local', '.envrc', 'apps/web/config/.env.production', 'config/secret.txt', 'docker/.env']);
  });
});

describe('findSecretFiles keeps what each folder held while the folder is unchanged', () => {
  const project = mkdtempSync(join(tmpdir(), 'qms-secret-walk-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const settle = () => new Promise((r) => setTimeout(r, 30));
  // The folders' times must be older than the walk for a kept listing to count (racyMs 0 here, 2 s in use).
  const walk = () => findSecretFiles(project, { racyMs: 0 });

  it('finds a .env* file added, removed, renamed or in a new folder, also after an agent sets the folder\'s mtime back', async () => {
    for (const f of ['.env', 'a/b/.env.local', 'a/c/readme.md']) file(f, 'X=1\n', project);
    mkdirSync(join(project, '.qms'));
    await settle();
    expect(await walk()).toEqual(['.env', 'a/b/.env.local']);
    expect(JSON.parse(readFileSync(join(project, '.qms/secret-walk.json'), 'utf8')).dirs['a/b'].files).toEqual(['.env.local']);
    await settle();
    file('a/c/.env.prod', 'X=1\n', project);
    rmSync(join(project, '.env'));
    renameSync(join(project, 'a/b/.env.local'), join(project, 'a/b/env.local'));
    file('a/new/deep/.envrc', 'X=1\n', project);
    expect(await walk()).toEqual(['a/c/.env.prod', 'a/new/deep/.envrc']);
    await settle();
    // An agent hiding a file it added: the folder's mtime set back; its ctime moves on all the same.
    const before = statSync(join(project, 'a/b'));
    file('a/b/.env.hidden', 'X=1\n', project);
    utimesSync(join(project, 'a/b'), before.atime, before.mtime);
    expect(await walk()).toEqual(['a/b/.env.hidden', 'a/c/.env.prod', 'a/new/deep/.envrc']);
  });

  it('a new process uses the kept listing of an unchanged folder, and reads the folder again once it changed', async () => {
    await settle();
    await walk();
    // Plant an entry in what is kept of an unchanged folder: a fresh process (module) reports it, so the folder was not read.
    const kept = join(project, '.qms/secret-walk.json');
    const data = JSON.parse(readFileSync(kept, 'utf8'));
    data.dirs['a/c'].files.push('.env.kept-only');
    writeFileSync(kept, JSON.stringify(data));
    vi.resetModules();
    const fresh = (await import('./secret-files.js')).findSecretFiles;
    expect(await fresh(project, { racyMs: 0 })).toContain('a/c/.env.kept-only');
    // Any change to the folder's entries: it is read again and the planted entry is gone.
    await settle();
    file('a/c/other.txt', 'x', project);
    expect(await fresh(project, { racyMs: 0 })).toEqual(['a/b/.env.hidden', 'a/c/.env.prod', 'a/new/deep/.envrc']);
  });

  it('a damaged kept file (wrong types, a path for a name) is no error and no path out: those folders are read again', async () => {
    await settle();
    await walk();
    const kept = join(project, '.qms/secret-walk.json');
    const data = JSON.parse(readFileSync(kept, 'utf8'));
    // Their ids still match: only the shape tells them apart from a good listing.
    data.dirs['a/c'] = { ...data.dirs['a/c'], files: 5, links: null };
    data.dirs['a/b'] = { ...data.dirs['a/b'], dirs: ['../../..'], files: ['../../../etc/passwd', '.env.hidden'] };
    writeFileSync(kept, JSON.stringify(data));
    vi.resetModules();
    const fresh = (await import('./secret-files.js')).findSecretFiles;
    expect(await fresh(project, { racyMs: 0 })).toEqual(['a/b/.env.hidden', 'a/c/.env.prod', 'a/new/deep/.envrc']);
  });

  it('a folder that could not be read is read again on the next walk, not kept as empty', async () => {
    file('flaky/.env.flaky', 'X=1\n', project);
    await settle();
    failReads.add(join(project, 'flaky'));
    expect(await walk()).not.toContain('flaky/.env.flaky');
    await settle();
    expect(await walk()).toContain('flaky/.env.flaky');
  });
});

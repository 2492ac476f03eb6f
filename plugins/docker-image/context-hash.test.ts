import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listContext } from './context-files.js';
import { buildHash } from './hash.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qms-image-ctx-'));
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(dir, '.dockerignore'), 'secret.env\nlogs\n*.md\n');
  await writeFile(join(dir, 'a.txt'), 'A');
  await writeFile(join(dir, 'README.md'), 'docs');
  await writeFile(join(dir, 'secret.env'), 'TOKEN=x');
  await mkdir(join(dir, 'logs'));
  await writeFile(join(dir, 'logs', 'x.log'), 'log');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'b.sh'), '#!/bin/sh\n');
  await symlink('a.txt', join(dir, 'link'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hashOf = async (buildArgs: Record<string, string> = {}, dockerfile = 'Dockerfile') =>
  buildHash({ entries: await listContext(dir, { dockerfile }), dockerfile, buildArgs });

describe('listContext', () => {
  it('lists what .dockerignore keeps, sorted, with types and link targets', async () => {
    const entries = await listContext(dir, { dockerfile: 'Dockerfile' });
    expect(entries.map((e) => `${e.type} ${e.path}`)).toEqual([
      'file .dockerignore',
      'file Dockerfile',
      'file a.txt',
      'symlink link',
      'dir sub',
      'file sub/b.sh',
    ]);
    expect(entries.find((e) => e.path === 'link')?.linkTarget).toBe('a.txt');
  });

  it('adds staged extra files (and their folders), replacing a same-named context file', async () => {
    const cert = join(dir, '..', `${dir.split('/').pop()}-ca.crt`);
    await writeFile(cert, 'PEM');
    try {
      const entries = await listContext(dir, { dockerfile: 'Dockerfile', extraFiles: [{ path: 'certs/ca.crt', source: cert }] });
      expect(entries.filter((e) => e.path.startsWith('certs')).map((e) => `${e.type} ${e.path}`)).toEqual(['dir certs', 'file certs/ca.crt']);
    } finally {
      await rm(cert);
    }
  });
});

describe('buildHash', () => {
  it('is stable, and ignores mtimes and ignored files', async () => {
    const first = await hashOf();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    await utimes(join(dir, 'a.txt'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    await writeFile(join(dir, 'README.md'), 'changed docs');
    await writeFile(join(dir, 'logs', 'x.log'), 'more log');
    await writeFile(join(dir, 'logs', 'new.log'), 'new');
    expect(await hashOf()).toBe(first);
  });

  it('changes with a file content, a new file, a file mode, a link target', async () => {
    const seen = new Set([await hashOf()]);
    await writeFile(join(dir, 'a.txt'), 'B');
    seen.add(await hashOf());
    await writeFile(join(dir, 'sub', 'new.txt'), '');
    seen.add(await hashOf());
    await chmod(join(dir, 'sub', 'b.sh'), 0o755);
    seen.add(await hashOf());
    await rm(join(dir, 'link'));
    await symlink('sub', join(dir, 'link'));
    seen.add(await hashOf());
    expect(seen.size).toBe(5);
  });

  it('changes with the build args and the Dockerfile name', async () => {
    const base = await hashOf({ A: '1' });
    expect(await hashOf({ A: '2' })).not.toBe(base);
    expect(await hashOf({ A: '1', B: '' })).not.toBe(base);
    await writeFile(join(dir, 'Other.Dockerfile'), 'FROM scratch\n');
    const withOther = await hashOf({ A: '1' });
    expect(await hashOf({ A: '1' }, 'Other.Dockerfile')).not.toBe(withOther);
  });

  it('does not depend on the order build args are given in', async () => {
    expect(await hashOf({ A: '1', B: '2' })).toBe(await hashOf({ B: '2', A: '1' }));
  });
});

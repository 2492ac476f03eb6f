import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listContext } from './context-files.js';
import { tarContext } from './tar.js';

const run = promisify(execFile);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qms-image-tar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tarContext', () => {
  it('writes a tar that GNU tar extracts to the same files, modes, links and long names', async () => {
    const src = join(dir, 'src');
    const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;
    const longName = `${'n'.repeat(120)}.txt`;
    await mkdir(join(src, longDir), { recursive: true });
    await writeFile(join(src, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    await writeFile(join(src, longDir, 'deep.txt'), 'deep');
    await writeFile(join(src, longName), 'long');
    await writeFile(join(src, 'big.bin'), Buffer.alloc(70_000, 7));
    await writeFile(join(src, 'ünï.txt'), 'utf8');
    await symlink('run.sh', join(src, 'link'));

    const archive = join(dir, 'ctx.tar');
    await pipeline(tarContext(await listContext(src, { dockerfile: 'Dockerfile' })), createWriteStream(archive));
    const out = join(dir, 'out');
    await mkdir(out);
    await run('tar', ['-xf', archive, '-C', out]);

    expect(await readFile(join(out, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect((await stat(join(out, 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(out, longDir, 'deep.txt'), 'utf8')).toBe('deep');
    expect(await readFile(join(out, longName), 'utf8')).toBe('long');
    expect((await readFile(join(out, 'big.bin'))).equals(Buffer.alloc(70_000, 7))).toBe(true);
    expect(await readFile(join(out, 'ünï.txt'), 'utf8')).toBe('utf8');
    expect(await readlink(join(out, 'link'))).toBe('run.sh');
    const { stdout } = await run('tar', ['-tvf', archive]);
    expect(stdout).toContain('root/root');
  });
});

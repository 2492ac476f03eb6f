/**
 * Which backend `qms serve qms-mcp` uses: qms-cli whenever the project has it, the built-in one
 * otherwise — and the built-in one refuses, before anything is written, a repository qms-cli
 * keeps (qms-cli/qms.py, qms.config.json, QMS/.audit/, qms-cli metadata), naming what it found
 * and the fix. Real qms-cli projects (the snapshot) and real start-ups of serve().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { makeQmsCliProject, type QmsCliProject } from '../../test/helpers/qms-cli-project.js';
import { chooseBackend } from './choose-backend.js';
import { findQmsCliMarkers } from './qms-cli-markers.js';
import { serve } from './serve.js';

describe('QMS backend choice', () => {
  let p: QmsCliProject;
  let plain: string;
  beforeAll(async () => {
    p = makeQmsCliProject('qms-backend-test-');
    plain = await mkdtemp(join(tmpdir(), 'qms-plain-'));
    await mkdir(join(plain, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(plain, 'QMS', 'SOP', 'SOP-001.md'), '# SOP-001\n');
  });
  afterAll(async () => {
    await rm(p.root, { recursive: true, force: true });
    await rm(plain, { recursive: true, force: true });
  });

  it('picks qms-cli by default when the project has qms-cli/qms.py, the built-in backend otherwise', async () => {
    const chosen = await chooseBackend(p.root, { backend: 'auto' });
    expect(chosen.kind).toBe('qms-cli');
    expect(chosen.kind === 'qms-cli' && chosen.cli.script).toBe(join(p.root, 'qms-cli', 'qms.py'));
    expect(chosen.kind === 'qms-cli' && chosen.cli.python).toBe('python3');
    expect((await chooseBackend(plain, { backend: 'auto' })).kind).toBe('builtin');
    expect(await findQmsCliMarkers(plain)).toEqual([]);
  });

  it('uses the project venv interpreter when there is one, and a configured qms.py path', async () => {
    await mkdir(join(p.root, '.venv', 'bin'), { recursive: true });
    await writeFile(join(p.root, '.venv', 'bin', 'python'), '#!/bin/sh\nexec python3 "$@"\n', { mode: 0o755 });
    try {
      const chosen = await chooseBackend(p.root, { backend: 'auto' });
      expect(chosen.kind === 'qms-cli' && chosen.cli.python).toBe(join(p.root, '.venv', 'bin', 'python'));
    } finally {
      await rm(join(p.root, '.venv'), { recursive: true, force: true });
    }
    const err = await chooseBackend(p.root, { backend: 'qms-cli', script: 'tools/qms.py' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    expect((err as Error).message).toMatch(/no tools\/qms\.py/);
  });

  it('the built-in backend refuses a qms-cli repository, naming what it found and the fix, and writes nothing', async () => {
    const before = p.git('status', '--porcelain');
    const err = await serve(['--project-root', p.root, '--backend', 'builtin', '--port', '0', '--host', '127.0.0.1']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    const e = err as QmsError;
    expect(e.message).toMatch(/kept by qms-cli \(found qms-cli\/qms\.py, qms\.config\.json, QMS\/\.audit\/ \(QMS\/\.audit\/\w+\/[\w-]+\.jsonl\), QMS\/\.meta\/\w+\/[\w-]+\.json \(qms-cli metadata\)\)/);
    expect(e.hint).toMatch(/qms-cli backend/);
    expect(p.git('status', '--porcelain')).toBe(before);
  });

  it('auto refuses a qms-cli repository whose qms.py is missing rather than fall back to the built-in backend', async () => {
    const other = makeQmsCliProject('qms-backend-nocli-');
    try {
      await rm(join(other.root, 'qms-cli'), { recursive: true, force: true });
      const err = await chooseBackend(other.root, { backend: 'auto' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QmsError);
      expect((err as QmsError).message).toMatch(/found qms\.config\.json/);
      expect((err as QmsError).hint).toMatch(/qmsCli/);
    } finally {
      await rm(other.root, { recursive: true, force: true });
    }
  });

  it('names a qms-cli that cannot run (a broken interpreter)', async () => {
    const err = await chooseBackend(p.root, { backend: 'auto', python: '/nonexistent/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    expect((err as Error).message).toMatch(/Python interpreter \/nonexistent\/python3 not found/);
  });
});

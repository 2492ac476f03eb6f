/**
 * The evidence is written only into a real session folder, never through a symlink: the agent
 * can write `.claude/sessions` (mounted read-write), so CURRENT_SESSION, the session folder and
 * the report file names are all under its control.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testContext } from '../../test/plugin-test-context.js';
import { QmsError } from '../../tasks/errors.js';
import type { VerificationReport } from './report.js';
import { sessionFor } from './resolve-input.js';
import { writeReport } from './write-report.js';

const ID = 'Session-2026-02-03-001';

const report: VerificationReport = {
  result: 'pass',
  project: 'p',
  agent: 'claude',
  session: ID,
  qmsVersion: '0',
  container: { id: 'c', name: 'n', image: 'i', imageId: 'sha256:0' },
  freshContainer: false,
  execUser: '1000:1000',
  startedAt: '2026-02-03T00:00:00.000Z',
  finishedAt: '2026-02-03T00:00:01.000Z',
  checks: [],
};

describe('verify evidence files', () => {
  let root: string;
  let sessions: string;
  let outside: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'qms-write-report-'));
    sessions = join(root, '.claude', 'sessions');
    outside = join(root, 'outside');
    await mkdir(sessions, { recursive: true });
    await mkdir(outside);
    await writeFile(join(sessions, 'CURRENT_SESSION'), `${ID}\n`);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

  it('writes verification.{json,md}, then verification-2.* without touching the first', async () => {
    await mkdir(join(sessions, ID));
    const { dir } = await sessionFor(testContext({ root }), 'session');
    const first = await writeReport(dir, report);
    expect(first).toMatchObject({ markdown: join(dir, 'verification.md'), json: join(dir, 'verification.json') });
    expect(first.text.json).toBe(await readFile(first.json, 'utf8'));
    expect(first.text.markdown).toBe(await readFile(first.markdown, 'utf8'));
    const second = await writeReport(dir, { ...report, result: 'fail' });
    expect(second.json).toBe(join(dir, 'verification-2.json'));
    expect(JSON.parse(await readFile(join(dir, 'verification.json'), 'utf8')).result).toBe('pass');
    expect(await readFile(second.markdown, 'utf8')).toContain('Environment verification — FAIL');
  });

  it('refuses a session folder that is a symlink (qms verify reads it from CURRENT_SESSION)', async () => {
    await symlink(outside, join(sessions, ID));
    const err = await refusal(sessionFor(testContext({ root }), 'session'));
    expect(err).toBeInstanceOf(QmsError);
    expect((err as Error).message).toBe(`verify: ${join(sessions, ID)} is a symlink; refusing to write the verification evidence there.`);
    const direct = await refusal(writeReport(join(sessions, ID), report));
    expect(direct).toBeInstanceOf(QmsError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a session folder swapped for a symlink after it was checked', async () => {
    await mkdir(join(sessions, ID));
    const { dir } = await sessionFor(testContext({ root }), 'session');
    await rename(dir, join(sessions, 'moved'));
    await symlink(outside, dir);
    expect(await refusal(writeReport(dir, report))).toBeInstanceOf(QmsError);
    expect(await readdir(outside)).toEqual([]);
  });

  it.each(['verification.md', 'verification.json'])('refuses a symlink planted at %s and leaves its target alone', async (name) => {
    await mkdir(join(sessions, ID));
    const target = join(outside, 'bashrc');
    await writeFile(target, 'original\n');
    await symlink(target, join(sessions, ID, name));
    const err = await refusal(writeReport(join(sessions, ID), report));
    expect(err).toBeInstanceOf(QmsError);
    expect((err as Error).message).toBe(`verify: ${join(sessions, ID, name)} is a symlink; refusing to write the verification evidence there.`);
    expect(await readFile(target, 'utf8')).toBe('original\n');
    expect(await readdir(outside)).toEqual(['bashrc']);
    // nothing half-written is left behind
    expect(existsSync(join(sessions, ID, name === 'verification.md' ? 'verification.json' : 'verification.md'))).toBe(false);
  });

  it('a dangling symlink at the file name is not followed to create its target', async () => {
    await mkdir(join(sessions, ID));
    await symlink(join(outside, 'created'), join(sessions, ID, 'verification.md'));
    expect(await refusal(writeReport(join(sessions, ID), report))).toBeInstanceOf(QmsError);
    expect(await readdir(outside)).toEqual([]);
  });
});

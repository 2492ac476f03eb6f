import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, QmsError } from '../../tasks/errors.js';
import { dockerImage } from './index.js';
import { defaultAgentUser } from '../container/options.js';
import { resolveBuild, validateOptions } from './options.js';

describe('dockerImage() options validation', () => {
  it('accepts localBase: false or { repository, pull }', () => {
    expect(validateOptions({ localBase: false })).toEqual({ localBase: false });
    expect(validateOptions({ localBase: { repository: 'corp/qms-base', pull: false } })).toEqual({ localBase: { repository: 'corp/qms-base', pull: false } });
  });

  it('gives a build task named by taskName', () => {
    expect(dockerImage().tasks.map((t) => t.name)).toEqual(['build']);
    expect(dockerImage({ taskName: 'image' }).tasks.map((t) => t.name)).toEqual(['image']);
  });

  it.each([
    [{ context: 3 }, 'context'],
    [{ tag: 'Not Valid' }, 'tag'],
    [{ buildArgs: { A: 1 } }, 'buildArgs'],
    [{ buildArgs: { GH_TOKEN: 'x' } }, 'buildArgs'],
    [{ buildArgs: { BASE_IMAGE: 'x' } }, 'buildArgs'],
    [{ extraCaCerts: 'a.crt' }, 'extraCaCerts'],
    [{ netwrok: 'host' }, 'netwrok'],
    [{ localBase: true }, 'localBase'],
    [{ localBase: { repository: 'Bad Name' } }, 'localBase'],
    [{ localBase: { repository: 'qms-base:tagged' } }, 'localBase'],
    [{ localBase: { pull: 'no' } }, 'localBase'],
    [{ localBase: { repo: 'x' } }, 'localBase'],
  ])('rejects %j naming the key', (options, key) => {
    let error: unknown;
    try {
      validateOptions(options);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toContain(`\`${key}\``);
    expect((error as ConfigError).hint).toBeTruthy();
  });
});

describe('resolveBuild', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'qms-image-opts-'));
    await mkdir(join(root, 'docker'));
    await writeFile(join(root, 'docker', 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(root, 'proxy.pem'), 'PEM');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('base image: QMS_BASE_IMAGE over the option over the default', async () => {
    expect((await resolveBuild({}, root, {})).baseImage).toBe('python:3.11-slim');
    expect((await resolveBuild({ baseImage: 'opt:1' }, root, {})).baseImage).toBe('opt:1');
    const resolved = await resolveBuild({ baseImage: 'opt:1' }, root, { QMS_BASE_IMAGE: 'env:2' });
    expect(resolved.baseImage).toBe('env:2');
    expect(resolved.buildArgs.BASE_IMAGE).toBe('env:2');
  });

  it('build args: the host user ids (1000 for root), Claude Code version only when set, user args', async () => {
    const { uid, gid } = defaultAgentUser();
    expect(uid).not.toBe(0);
    expect(gid).not.toBe(0);
    if (process.getuid?.() === 0) expect([uid, gid]).toEqual([1000, 1000]);
    const plain = await resolveBuild({}, root, {});
    expect(plain.buildArgs).toEqual({ BASE_IMAGE: 'python:3.11-slim', AGENT_UID: String(uid), AGENT_GID: String(gid) });
    const full = await resolveBuild({ claudeCodeVersion: 'none', buildArgs: { AGENT_UID: '1234', X: 'y' } }, root, {});
    expect(full.buildArgs).toMatchObject({ CLAUDE_CODE_VERSION: 'none', AGENT_UID: '1234', X: 'y' });
  });

  it('network: host by default, none for `default`', async () => {
    expect((await resolveBuild({}, root, {})).networkMode).toBe('host');
    expect((await resolveBuild({ network: 'default' }, root, {})).networkMode).toBeUndefined();
  });

  it('stages extra CA certificates as unique certs/*.crt', async () => {
    await mkdir(join(root, 'other'));
    await writeFile(join(root, 'other', 'proxy.crt'), 'PEM2');
    const resolved = await resolveBuild({ extraCaCerts: ['proxy.pem', 'other/proxy.crt'] }, root, {});
    expect(resolved.extraFiles).toEqual([
      { path: 'certs/proxy.crt', source: join(root, 'proxy.pem') },
      { path: 'certs/proxy-2.crt', source: join(root, 'other', 'proxy.crt') },
    ]);
  });

  it('clear errors for a missing context, Dockerfile or certificate', async () => {
    await expect(resolveBuild({ context: 'nope' }, root, {})).rejects.toThrow(/build context .*nope is not a folder/);
    await expect(resolveBuild({ dockerfile: 'Other' }, root, {})).rejects.toThrow('No Dockerfile at docker/Other');
    await expect(resolveBuild({ dockerfile: '../Dockerfile' }, root, {})).rejects.toThrow(/outside the build context/);
    const err = await resolveBuild({ extraCaCerts: ['missing.crt'] }, root, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    expect((err as QmsError).message).toContain('missing.crt');
  });
});

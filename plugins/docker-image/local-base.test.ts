/**
 * The local Debian base's recipe (the mirror apt uses, the host's CA certificates, the
 * content-addressed tag) and the base choice against the real engine: a configured base is
 * used as given, an existing local base is found by its tag without trying the registry.
 * Building it for real is the end-to-end test's job (test/e2e/local-base.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseBase } from './base-choice.js';
import { aptMirror, localBaseRecipe } from './local-base-recipe.js';
import { DEFAULT_BASE_IMAGE } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'qms-local-base-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the recipe', () => {
  it('uses the mirror apt uses: QMS_DEBIAN_MIRROR, deb822 sources (not the security archive), sources.list, else Debian\'s', () => {
    const etc = join(dir, 'etc-apt');
    mkdirSync(join(etc, 'sources.list.d'), { recursive: true });
    expect(aptMirror({}, etc)).toBe('http://deb.debian.org/debian');
    writeFileSync(join(etc, 'sources.list'), '# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n');
    expect(aptMirror({}, etc)).toBe('http://mirror.example/debian');
    writeFileSync(join(etc, 'sources.list.d', 'a.sources'), 'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n');
    writeFileSync(join(etc, 'sources.list.d', 'b.sources'), 'Types: deb\nURIs: http://apt.example/debian\nSuites: bookworm\n');
    expect(aptMirror({}, etc)).toBe('http://apt.example/debian');
    expect(aptMirror({ QMS_DEBIAN_MIRROR: 'http://override.example/debian' }, etc)).toBe('http://override.example/debian');
  });

  it('is content-addressed: the tag changes with a CA certificate or the mirror, and names the repository', () => {
    const ca = join(dir, 'ca');
    mkdirSync(ca, { recursive: true });
    writeFileSync(join(ca, 'proxy.crt'), 'one');
    writeFileSync(join(ca, 'ignored.pem'), 'not a .crt');
    const env = { QMS_DEBIAN_MIRROR: 'http://m.example/debian' };
    const a = localBaseRecipe(env, undefined, ca);
    expect(a.tag).toMatch(/^qms-base:bookworm-[0-9a-f]{12}$/);
    expect(a.caCerts).toEqual([join(ca, 'proxy.crt')]);
    expect(localBaseRecipe(env, undefined, ca).tag).toBe(a.tag);
    writeFileSync(join(ca, 'proxy.crt'), 'two');
    expect(localBaseRecipe(env, undefined, ca).tag).not.toBe(a.tag);
    expect(localBaseRecipe({ QMS_DEBIAN_MIRROR: 'http://other.example/debian' }, undefined, ca).hash).not.toBe(localBaseRecipe(env, undefined, ca).hash);
    expect(localBaseRecipe({ ...env, QMS_LOCAL_BASE: 'corp-base' }, undefined, ca).tag).toMatch(/^corp-base:bookworm-/);
    expect(localBaseRecipe(env, 'mine', ca).tag).toMatch(/^mine:bookworm-/);
    expect(localBaseRecipe({ ...env, QMS_LOCAL_BASE: 'corp-base' }, 'mine', ca).tag).toMatch(/^corp-base:bookworm-/);
  });
});

describe('choosing the base', () => {
  const signal = new AbortController().signal;
  const io = (lines: string[]) => ({ info: (l: string) => lines.push(`info: ${l}`), output: (l: string) => lines.push(`output: ${l}`), signal });
  // Nothing listens here: a choice that asked the engine would fail.
  const noEngine = { DOCKER_HOST: `unix://${join(dir, 'none.sock')}` };

  it('a configured base is used as given, without asking the engine', async () => {
    const lines: string[] = [];
    expect(await chooseBase({}, { ...noEngine, QMS_BASE_IMAGE: 'corp/base:1' }, io(lines))).toEqual({ image: 'corp/base:1', source: 'configured', built: false });
    expect(await chooseBase({ baseImage: 'opt:2' }, noEngine, io(lines))).toEqual({ image: 'opt:2', source: 'configured', built: false });
    expect(await chooseBase({ localBase: false }, noEngine, io(lines))).toMatchObject({ image: DEFAULT_BASE_IMAGE, source: 'default' });
    expect(await chooseBase({}, { ...noEngine, QMS_LOCAL_BASE: 'off' }, io(lines))).toMatchObject({ image: DEFAULT_BASE_IMAGE, source: 'default' });
    expect(lines).toEqual([]);
  });

  it('an existing local base is found by its content-addressed tag, no pull tried', async () => {
    const have = (tag: string) => execFileSync('docker', ['images', '-q', tag], { encoding: 'utf8' }).trim() !== '';
    if (have(DEFAULT_BASE_IMAGE)) return; // this engine has the default: it would be used, rightly
    const source = process.env.QMS_BASE_IMAGE || 'qms-base:bookworm';
    const repository = `qms-test-local-base-${process.pid}`;
    const { tag } = localBaseRecipe({}, repository);
    execFileSync('docker', ['tag', source, tag]);
    try {
      const lines: string[] = [];
      // pull stays on: finding the tag must come first.
      const choice = await chooseBase({ localBase: { repository } }, {}, io(lines));
      expect(choice).toEqual({ image: tag, source: 'local', built: false });
      expect(lines).toEqual([`info: base: ${DEFAULT_BASE_IMAGE} is not here; using the local Debian base ${tag}`]);
    } finally {
      execFileSync('docker', ['rmi', tag], { stdio: 'ignore' });
    }
  });
});

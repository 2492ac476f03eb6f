import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DockerIgnore, parseDockerignore } from './dockerignore.js';

const kept = (patterns: string, paths: string[], always: string[] = []) => {
  const ignore = new DockerIgnore(patterns, always);
  return paths.filter((p) => !ignore.ignores(p));
};

describe('parseDockerignore', () => {
  it('drops comments and blank lines, reads `!`, cleans slashes', () => {
    const patterns = parseDockerignore('# comment\n\n  /build/  \n!keep/../keep.txt\r\n!\n');
    expect(patterns.map((p) => [p.text, p.exclusion])).toEqual([
      ['build', false],
      ['keep.txt', true],
    ]);
  });
});

describe('DockerIgnore (Docker semantics)', () => {
  it('`*` stays within one path segment; patterns are anchored at the context root', () => {
    expect(kept('*.md', ['README.md', 'docs/README.md', 'a.mdx'])).toEqual(['docs/README.md', 'a.mdx']);
  });

  it('`**` spans any number of folders, including none', () => {
    expect(kept('**/*.md', ['README.md', 'docs/README.md', 'a/b/c/x.md', 'x.txt'])).toEqual(['x.txt']);
    expect(kept('foo/**/bar', ['foo/bar', 'foo/x/bar', 'foo/x/y/bar', 'foo/baz', 'xfoo/bar'])).toEqual(['foo/baz', 'xfoo/bar']);
    expect(kept('docs/**', ['docs/a', 'docs/a/b', 'docsx'])).toEqual(['docsx']);
  });

  it('a matched folder takes everything under it', () => {
    expect(kept('node_modules\nbuild/', ['node_modules/a/b.js', 'build/out.o', 'src/build.ts', 'src/node_modules/x'])).toEqual([
      'src/build.ts',
      'src/node_modules/x',
    ]);
  });

  it('`!` re-includes and the last matching pattern wins', () => {
    expect(kept('*.md\n!README.md', ['README.md', 'CHANGELOG.md'])).toEqual(['README.md']);
    expect(kept('!README.md\n*.md', ['README.md', 'CHANGELOG.md'])).toEqual([]);
    expect(kept('docs\n!docs/keep.txt', ['docs/keep.txt', 'docs/drop.txt'])).toEqual(['docs/keep.txt']);
    expect(kept('*\n!src\nsrc/*.log', ['a', 'src/x.ts', 'src/x.log'])).toEqual(['src/x.ts']);
  });

  it('`?`, character classes and escapes, as in Go filepath.Match', () => {
    expect(kept('a?c', ['abc', 'a/c', 'abbc'])).toEqual(['a/c', 'abbc']);
    expect(kept('file[0-2].txt', ['file1.txt', 'file5.txt'])).toEqual(['file5.txt']);
    expect(kept('file[^0-2].txt', ['file1.txt', 'file5.txt'])).toEqual(['file1.txt']);
    expect(kept('star\\*', ['star*', 'starx'])).toEqual(['starx']);
  });

  it('regular-expression characters are literal', () => {
    expect(kept('a.b\n(x)+', ['a.b', 'aXb', '(x)+', 'xx'])).toEqual(['aXb', 'xx']);
  });

  it('always sends the Dockerfile and .dockerignore', () => {
    expect(kept('*', ['Dockerfile', '.dockerignore', 'other'], ['Dockerfile', '.dockerignore'])).toEqual(['Dockerfile', '.dockerignore']);
  });

  it('skips an ignored folder unless a `!` pattern starts inside it (as Docker does)', () => {
    expect(new DockerIgnore('node_modules').canSkipDirectory('node_modules')).toBe(true);
    expect(new DockerIgnore('node_modules\n!node_modules/keep').canSkipDirectory('node_modules')).toBe(false);
    expect(new DockerIgnore('node_modules\n!**/keep').canSkipDirectory('node_modules')).toBe(true);
  });
});

describe('docker/.dockerignore', () => {
  it('keeps secrets (.env) and docs out of the agent image context, sends what the Dockerfile copies', () => {
    const text = readFileSync(new URL('../../docker/.dockerignore', import.meta.url), 'utf8');
    expect(kept(text, ['.env', '.env.local', '.env.example', 'README.md', 'Dockerfile', 'entrypoint.sh', 'healthcheck.sh', 'certs/proxy.crt'])).toEqual([
      'Dockerfile',
      'entrypoint.sh',
      'healthcheck.sh',
      'certs/proxy.crt',
    ]);
  });
});

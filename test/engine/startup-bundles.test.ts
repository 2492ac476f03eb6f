/**
 * scripts/startup-bundles.mjs (run by `npm run build`): which modules may be copied into the
 * files `qms list` loads, that a copied module leaves shared modules shared (one class, one
 * cache per process), and that the built package keeps one identity for its error classes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/built.js';

type Bundler = { whyShared(file: string): string | undefined; inlineStartupModules(dist: string): Promise<string> };
const bundler = () => import(pathToFileURL(join(repoRoot, 'scripts', 'startup-bundles.mjs')).href) as Promise<Bundler>;

const tmp = mkdtempSync(join(tmpdir(), 'qms-startup-bundles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

describe('whyShared: a module may be copied only when a copy cannot be told apart', () => {
  const cases: Record<string, string | undefined> = {
    'pure.js': "import { x } from './x.js';\nexport const A = 1, B = `b`, C = ['a', { k: -1 }], D = x.y;\nexport function f() { return new Map(); }\nexport const g = () => import('./y.js');\n",
    'reexport.js': "export { QmsError } from './errors.js';\nexport * from './z.js';\n",
    'class.js': 'export class E extends Error {}\n',
    'let.js': 'let cache;\nexport const get = () => (cache ??= {});\n',
    'new.js': 'export const NAMES = new Set(["a"]);\n',
    'call.js': "const { z } = load('zod');\n",
    'statement.js': "process.on('exit', () => {});\n",
    'meta.js': 'export const here = () => import.meta.url;\n',
    'await.js': 'export const v = await Promise.resolve(1);\n',
    'getter.js': 'export const o = { get now() { return Date.now(); } };\n',
  };
  beforeAll(() => write(join(tmp, 'why'), Object.fromEntries(Object.entries(cases).map(([name, text]) => [name, text ?? '']))));

  for (const [name, text] of Object.entries(cases)) {
    const inlinable = name === 'pure.js' || name === 'reexport.js';
    it(`${name}: ${inlinable ? 'inlinable' : 'shared'}`, async () => {
      const why = (await bundler()).whyShared(join(tmp, 'why', name));
      if (inlinable) expect(why, text).toBeUndefined();
      else expect(why, text).toMatch(/import\.meta|top level/);
    });
  }
});

describe('inlineStartupModules on a small dist', () => {
  const dist = join(tmp, 'dist');
  beforeAll(async () => {
    write(dist, {
      'package.json': '{ "type": "module" }\n',
      'tasks/errors.js': 'export class QmsError extends Error {}\n',
      'tasks/state.js': 'export const seen = new Set();\n',
      'tasks/pure.js': "import { QmsError } from './errors.js';\nimport { seen } from './state.js';\nexport function fail(m) { seen.add(m); return new QmsError(m); }\n",
      'tasks/cli/main.js': "import { fail } from '../pure.js';\nexport const code = () => fail('x') instanceof Error;\nexport const later = () => import('./late.js');\n",
      'tasks/cli/late.js': "import { QmsError } from '../errors.js';\nimport { seen } from '../state.js';\nexport { QmsError, seen };\n",
      'tasks/helper.js': 'export const value = 42;\n',
      'tasks/cli/commands/list.js': "import { fail } from '../../pure.js';\nimport { value } from '../../helper.js';\nexport const list = () => fail('list');\nexport const both = async () => [value, (await import('../../helper.js')).value];\n",
      'index.js': "export { fail } from './tasks/pure.js';\nexport { QmsError } from './tasks/errors.js';\n",
    });
    await (await bundler()).inlineStartupModules(dist);
  });

  it('copies the pure module into the files that import it, and leaves shared modules as imports', () => {
    for (const f of ['index.js', 'tasks/cli/main.js', 'tasks/cli/commands/list.js']) {
      const text = readFileSync(join(dist, f), 'utf8');
      expect(text, f).not.toMatch(/pure\.js['"]/);
      expect(text, f).toMatch(/errors\.js['"]/);
      expect(text, f).toMatch(/state\.js['"]/);
    }
    expect(readFileSync(join(dist, 'tasks/cli/main.js'), 'utf8')).toMatch(/import\(["']\.\/late\.js["']\)/);
  });

  it('keeps a module imported both ways its own file (a copy and a dynamic import of it would be two modules)', async () => {
    expect(readFileSync(join(dist, 'tasks/cli/commands/list.js'), 'utf8')).toMatch(/from ["']\.\.\/\.\.\/helper\.js["']/);
    const list = (await import(pathToFileURL(join(dist, 'tasks/cli/commands/list.js')).href)) as { both(): Promise<number[]> };
    expect(await list.both()).toEqual([42, 42]);
  });

  it('keeps one class and one state per process across the copies, the shared files and what loads later', async () => {
    const url = (f: string) => pathToFileURL(join(dist, f)).href;
    const index = (await import(url('index.js'))) as { fail(m: string): Error; QmsError: typeof Error };
    const main = (await import(url('tasks/cli/main.js'))) as { later(): Promise<{ QmsError: typeof Error; seen: Set<string> }> };
    const list = (await import(url('tasks/cli/commands/list.js'))) as { list(): Error };
    const late = await main.later();
    expect(index.fail('a')).toBeInstanceOf(late.QmsError);
    expect(list.list()).toBeInstanceOf(index.QmsError);
    expect([...late.seen].sort()).toEqual(['a', 'list']);
  });
});

describe('the built package', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it("has one QmsError and ConfigError, whether reached from 'qms', 'qms/engine' or a factory's error", async () => {
    const url = (f: string) => pathToFileURL(resolve(repoRoot, 'dist', f)).href;
    const qms = (await import(url('index.js'))) as typeof import('../../index.js');
    const engine = (await import(url('tasks/index.js'))) as typeof import('../../tasks/index.js');
    const errors = (await import(url('tasks/errors.js'))) as typeof import('../../tasks/errors.js');
    expect(qms.QmsError).toBe(errors.QmsError);
    expect(engine.ConfigError).toBe(errors.ConfigError);
    expect(() => qms.container({ agnet: 1 } as never)).toThrow(errors.ConfigError);
  });
});

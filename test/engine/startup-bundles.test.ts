/**
 * scripts/startup-bundles.mjs (run by `npm run build`): which modules may be copied into the
 * files the CLI loads (statically, or dynamically when a command or task runs), that files run
 * on their own stay as tsc made them, that a copied module leaves shared modules shared (one
 * class, one cache per process), and that the built package keeps one identity for its error
 * classes and no import of a file that is not there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/built.js';

type Bundler = { whyShared(file: string): string | undefined; inlineStartupModules(dist: string): Promise<string>; STANDALONE: string[] };
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
      'tasks/cli/late.js': "import { QmsError } from '../errors.js';\nimport { seen } from '../state.js';\nimport { twice } from '../late-helper.js';\nexport { QmsError, seen, twice };\nexport const body = () => import('../../plugins/p/body.js');\n",
      'tasks/late-helper.js': "import { fail } from './pure.js';\nexport const twice = (n) => [n, n];\nexport const failLater = fail;\n",
      // What a task loads when it runs, two dynamic imports away from the CLI.
      'plugins/p/body.js': "import { fail } from '../../tasks/pure.js';\nimport { steps } from './steps.js';\nexport const run = () => [steps(), fail('body')];\nexport const server = () => import('../mcp-server/serve-main.js');\nexport const proxy = () => import('../container/egress/egress-proxy.js');\n",
      'plugins/p/steps.js': "export const steps = () => ['a', 'b'];\n",
      // Run as `node <file>` and mounted alone into a container: never rewritten.
      'plugins/mcp-server/serve-main.js': "import { steps } from '../p/steps.js';\nexport const names = () => steps();\n",
      'plugins/container/egress/egress-proxy.js': "import { twice } from '../../../tasks/late-helper.js';\nexport const main = () => twice(1);\n",
      'tasks/helper.js': 'export const value = 42;\n',
      'tasks/cli/commands/list.js': "import { fail } from '../../pure.js';\nimport { value } from '../../helper.js';\nexport const list = () => fail('list');\nexport const both = async () => [value, (await import('../../helper.js')).value];\n",
      'index.js': "export { fail } from './tasks/pure.js';\nexport { QmsError } from './tasks/errors.js';\n",
    });
    tscFiles = Object.fromEntries(['plugins/mcp-server/serve-main.js', 'plugins/container/egress/egress-proxy.js'].map((f) => [f, readFileSync(join(dist, f), 'utf8')]));
    await (await bundler()).inlineStartupModules(dist);
  });
  let tscFiles: Record<string, string> = {};

  it('copies the pure module into the files that import it, and leaves shared modules as imports', () => {
    for (const f of ['index.js', 'tasks/cli/main.js', 'tasks/cli/commands/list.js']) {
      const text = readFileSync(join(dist, f), 'utf8');
      expect(text, f).not.toMatch(/pure\.js['"]/);
      expect(text, f).toMatch(/errors\.js['"]/);
      expect(text, f).toMatch(/state\.js['"]/);
    }
    expect(readFileSync(join(dist, 'tasks/cli/main.js'), 'utf8')).toMatch(/import\(["']\.\/late\.js["']\)/);
  });

  it('also copies pure modules into what is imported dynamically (a task body), which keeps its own file', () => {
    const late = readFileSync(join(dist, 'tasks/cli/late.js'), 'utf8');
    expect(late).not.toMatch(/late-helper\.js['"]/);
    expect(late).not.toMatch(/pure\.js['"]/);
    expect(late).toMatch(/errors\.js['"]/);
    expect(late).toMatch(/import\(["']\.\.\/\.\.\/plugins\/p\/body\.js["']\)/);
    const body = readFileSync(join(dist, 'plugins/p/body.js'), 'utf8');
    expect(body).not.toMatch(/(steps|pure)\.js['"]/);
    expect(body).toMatch(/errors\.js['"]/);
    expect(body).toMatch(/state\.js['"]/);
  });

  it('leaves files that run on their own or are mounted alone byte for byte as tsc made them', () => {
    for (const [f, text] of Object.entries(tscFiles)) expect(readFileSync(join(dist, f), 'utf8'), f).toBe(text);
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
    const body = (await import(url('plugins/p/body.js'))) as { run(): [string[], Error]; server(): Promise<{ names(): string[] }>; proxy(): Promise<{ main(): number[] }> };
    const [steps, error] = body.run();
    expect(steps).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(index.QmsError);
    expect(late.seen.has('body')).toBe(true);
    expect((await body.server()).names()).toEqual(['a', 'b']);
    expect((await body.proxy()).main()).toEqual([1, 1]);
  });
});

describe('the built package', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it("has one QmsError and ConfigError, whether reached from 'qms', 'qms/engine' or a factory's error", async () => {
    const url = (f: string) => pathToFileURL(resolve(repoRoot, 'dist', f)).href;
    const qms = (await import(url('index.js'))) as typeof import('../../index.js');
    const engine = (await import(url('tasks/index.js'))) as typeof import('../../tasks/index.js');
    // Both re-export qms's CommonJS build (test/engine/cjs-build.test.ts: the CLI shares it too).
    expect(qms.QmsError).toBe(engine.QmsError);
    expect(engine.ConfigError).toBe(qms.ConfigError);
    expect(() => qms.container({ agnet: 1 } as never)).toThrow(engine.ConfigError);
  });

  it('every relative import in dist/, static or dynamic, names a file that exists', () => {
    const dist = resolve(repoRoot, 'dist');
    const missing: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.js')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s*)["'](\.{1,2}\/[^"']+)["']/gm)) {
            if (!existsSync(resolve(dirname(p), m[1] ?? ''))) missing.push(`${p.slice(dist.length + 1)} -> ${m[1]}`);
          }
        }
      }
    };
    walk(dist);
    expect(missing).toEqual([]);
  });

  it('the files that run on their own are where the build keeps them, and the egress proxy (mounted alone) imports no file of ours', async () => {
    for (const f of (await bundler()).STANDALONE) expect(existsSync(resolve(repoRoot, 'dist', f)), f).toBe(true);
    const proxy = readFileSync(resolve(repoRoot, 'dist/plugins/container/egress/egress-proxy.js'), 'utf8');
    expect(proxy).not.toMatch(/(?:\bfrom\s*|\bimport\s*\(\s*)["']\./);
  });

  it('the task bodies a run loads carry their pure imports: what they still import statically is shared, imported dynamically too, or standalone', async () => {
    const { whyShared, STANDALONE } = await bundler();
    const dist = resolve(repoRoot, 'dist');
    const jsFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
    const dynamic = new Set<string>();
    for (const f of jsFiles(dist)) for (const m of readFileSync(f, 'utf8').matchAll(/\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) dynamic.add(resolve(dirname(f), m[1] ?? ''));
    const standalone = new Set(STANDALONE.map((f) => join(dist, f)));
    const bodies = ['plugins/verify/run-verification.js', 'plugins/container/ensure.js', 'plugins/docker-image/task.js', 'plugins/auth/run-checks.js'].map((f) => join(dist, f));
    const copyable: string[] = [];
    for (const body of bodies) {
      expect(dynamic.has(body), body).toBe(true);
      for (const m of readFileSync(body, 'utf8').matchAll(/^import\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']/gm)) {
        const target = resolve(dirname(body), m[1] ?? '');
        if (!dynamic.has(target) && !standalone.has(target) && whyShared(target) === undefined) copyable.push(`${body.slice(dist.length + 1)} -> ${m[1]}`);
      }
    }
    expect(copyable).toEqual([]);
  });
});

describe('the vendored copies', () => {
  it("dockerode's copy formats a request for docker-modem's debug line only when that line is on", () => {
    ensureBuilt();
    // Each request through the copy, against a socket that is not there; util.inspect counted.
    const script = `
      const util = require('node:util');
      let n = 0;
      const inspect = util.inspect;
      util.inspect = (...a) => (n++, inspect(...a));
      const { loadVendored } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/tasks/cjs.js')).href)});
      const Docker = loadVendored('dockerode');
      const docker = new Docker({ socketPath: '/nonexistent/qms-test.sock' });
      await Promise.allSettled([docker.ping(), docker.getContainer('x').inspect()]);
      process.stdout.write(String(n));
    `;
    const run = (env: Record<string, string>): number => Number(execFileSync(process.execPath, ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${script}`], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    expect(readFileSync(join(repoRoot, 'dist/vendor/dockerode.cjs'), 'utf8')).toContain('.enabled&&');
    expect(run({})).toBe(0);
    expect(run({ DEBUG: 'modem' })).toBeGreaterThanOrEqual(2);
  });

  it("dockerode's copy loads https and zlib only when a request needs them, and then uses them (https here: zlib serves only a gzipped build context, which qms never asks for)", () => {
    ensureBuilt();
    const loaded = (m: string): string => `process.moduleLoadList.includes('NativeModule ${m}')`;
    // Loaded as connectDocker loads it: with dockerode's unused packages deferred (dockerode-extras.ts).
    const script = `
      (await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/plugins/docker-engine/dockerode-extras.js')).href)})).deferDockerodeExtras();
      const { loadVendored } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/tasks/cjs.js')).href)});
      const Docker = loadVendored('dockerode');
      const out = [];
      await new Docker({ socketPath: '/nonexistent/qms-test.sock' }).ping().catch(() => undefined);
      out.push(${loaded('https')}, ${loaded('zlib')});
      // An engine over TLS (nothing listens on port 9): the request goes out through https.
      const err = await new Docker({ protocol: 'https', host: '127.0.0.1', port: 9 }).ping().catch((e) => e);
      out.push(${loaded('https')}, String(err && err.code));
      process.stdout.write(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${script}`], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] }).toString()) as unknown[];
    expect(out).toEqual([false, false, true, 'ECONNREFUSED']);
  });
});

/**
 * tasks/cjs.ts's vendored packages: a build's minified copy (dist/vendor/<name>.cjs) is used only
 * when it was made from the package installed, runs with or without a usable code cache, and
 * behaves as the package does: zod checks exactly as `zod` (the config schema and the
 * plugin-option check rely on it); dockerode has dockerode's API, leaves the packages
 * dockerode-extras.ts stands in for unloaded, and speaks to a real engine.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendoredCopy } from '../../tasks/cjs.js';
import { codeCacheOf, runWithCodeCache } from '../../tasks/startup/code-cache.js';
import { deferDockerodeExtras } from '../../plugins/docker-engine/dockerode-extras.js';
import { ensureBuilt, repoRoot } from '../cli/built.js';

const require = createRequire(import.meta.url);
const zodManifest = require.resolve('zod/package.json');
const installed = (require('zod/package.json') as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'qms-vendored-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dirUrl = (d: string) => pathToFileURL(`${d}/`);

describe('vendoredCopy', () => {
  it('is undefined without a copy', () => {
    expect(vendoredCopy('zod', dirUrl(tmp))).toBeUndefined();
  });

  it('names the copy made from the zod installed, and not one made from another version', () => {
    const record = (version: string) => writeFileSync(join(tmp, 'zod.json'), JSON.stringify({ version, manifest: relative(tmp, zodManifest) }));
    record(installed);
    expect(vendoredCopy('zod', dirUrl(tmp))).toBe(join(tmp, 'zod.cjs'));
    record('3.0.0-other');
    expect(vendoredCopy('zod', dirUrl(tmp))).toBeUndefined();
  });
});

describe('runWithCodeCache', () => {
  it('runs a CommonJS file as require would, and a cache V8 refuses only costs the compile', () => {
    const file = join(tmp, 'm.cjs');
    writeFileSync(file, "exports.dir = __dirname; module.exports.sum = (a, b) => a + b; exports.req = typeof require('node:path').join;\n");
    const fresh = runWithCodeCache(file);
    expect(fresh.exports).toMatchObject({ dir: tmp, req: 'function' });
    expect((fresh.exports as { sum(a: number, b: number): number }).sum(2, 3)).toBe(5);
    // A file this process has not compiled yet (V8 would reuse its own compile of `file`).
    const other = join(tmp, 'other.cjs');
    writeFileSync(other, 'module.exports.sum = (a, b) => a + b;\n');
    writeFileSync(codeCacheOf(other), 'not a code cache');
    const refused = runWithCodeCache(other);
    expect(refused.script.cachedDataRejected).toBe(true);
    expect((refused.exports as { sum(a: number, b: number): number }).sum(1, 1)).toBe(2);
  });
});

describe("the build's copies", () => {
  beforeAll(() => ensureBuilt(), 300_000);
  const copyOf = (name: 'zod' | 'dockerode' | 'commander') => vendoredCopy(name, pathToFileURL(join(repoRoot, 'dist', 'vendor/')));

  it('of zod is zod: the same exports and the same issues for a strict object', () => {
    const file = copyOf('zod');
    expect(file && existsSync(file), 'dist/vendor/zod.cjs from the zod installed: run `npm run build` first').toBeTruthy();
    const copy = runWithCodeCache(file!).exports as typeof import('zod');
    const zod = require('zod') as typeof import('zod');
    expect(Object.keys(copy).sort()).toEqual(Object.keys(zod).sort());
    const check = (z: typeof zod.z) =>
      z
        .object({ port: z.number().int().positive().optional(), name: z.string().regex(/^[a-z]+$/), tags: z.array(z.string().min(1)), on: z.union([z.literal(false), z.null()]) })
        .strict()
        .safeParse({ port: 1.5, name: 'A', tags: [''], on: true, extra: 1 });
    expect(JSON.parse(JSON.stringify(check(copy.z)))).toEqual(JSON.parse(JSON.stringify(check(zod.z))));
  });

  it("of zod binds a schema's methods on first use as zod binds them when it makes the schema: detached, the same function each read, assignable", async () => {
    const copy = (runWithCodeCache(copyOf('zod')!).exports as typeof import('zod')).z;
    const zod = (require('zod') as typeof import('zod')).z;
    for (const z of [copy, zod]) {
      const s = z.string().min(2);
      const { parse, safeParse, optional, spa } = s;
      expect(parse('ab')).toBe('ab');
      expect(safeParse('a').success).toBe(false);
      expect(optional().safeParse(undefined).success).toBe(true);
      expect(await spa('abc')).toEqual({ success: true, data: 'abc' });
      expect(s.parse).toBe(s.parse);
      expect(s.spa).not.toBe(s.safeParseAsync);
      const mine = () => 'mine';
      (s as unknown as { refine: unknown }).refine = mine;
      expect(s.refine).toBe(mine);
      expect(z.string().refine).not.toBe(mine);
    }
  });

  it('of dockerode has its API, uses its code cache, leaves the deferred packages unloaded and pings the engine', async () => {
    const file = copyOf('dockerode');
    expect(file && existsSync(file), 'dist/vendor/dockerode.cjs from the dockerode installed: run `npm run build` first').toBeTruthy();
    deferDockerodeExtras();
    const before = Object.keys(require.cache).filter((f) => /node_modules\/(ssh2\/lib\/client|protobufjs|@grpc\/grpc-js\/build\/src\/server|tar-stream)/.test(f));
    const { exports, script } = runWithCodeCache(file!);
    const Copy = exports as typeof import('dockerode');
    expect(script.cachedDataRejected).toBe(false);
    const Real = require('dockerode') as typeof import('dockerode');
    const methods = (C: object) => Object.getOwnPropertyNames((C as { prototype: object }).prototype).sort();
    expect(methods(Copy)).toEqual(methods(Real));
    expect(Object.keys(require.cache).filter((f) => /node_modules\/(ssh2\/lib\/client|protobufjs|@grpc\/grpc-js\/build\/src\/server|tar-stream)/.test(f))).toEqual(before);
    // A real engine answers the copy as it answers dockerode (CI has one; the e2e tests need it too).
    const docker = new Copy();
    expect(String(await docker.ping())).toBe('OK');
    expect((await docker.version()).ApiVersion).toBe((await new Real().version()).ApiVersion);
  });

  it('of commander is commander: the same exports, its code cache used, a command line parsed and refused alike', async () => {
    const file = copyOf('commander');
    expect(file && existsSync(file), 'dist/vendor/commander.cjs from the commander installed: run `npm run build` first').toBeTruthy();
    const { exports, script } = runWithCodeCache(file!);
    expect(script.cachedDataRejected).toBe(false);
    const copy = exports as typeof import('commander');
    const real = require('commander') as typeof import('commander');
    expect(Object.keys(copy).sort()).toEqual(Object.keys(real).sort());
    const parse = async (c: typeof real, argv: string[]) => {
      const seen: unknown[] = [];
      const errors: string[] = [];
      const p = new c.Command('qms').option('--json').option('-j, --concurrency <n>', 'n', (v) => Number(v)).addOption(new c.Option('--output <mode>').choices(['full', 'none']));
      p.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: (s) => void errors.push(s) });
      p.command('up').argument('[agents...]').option('--no-attach').action(function (this: import('commander').Command) {
        seen.push(this.args, this.optsWithGlobals());
      });
      const outcome = await p.parseAsync(['node', 'qms', ...argv]).then(() => 'ok', (err: { code?: string }) => err.code);
      return { outcome, seen, errors };
    };
    for (const argv of [['up', 'qa', '--no-attach', '--json', '-j', '3'], ['--output', 'none', 'up'], ['up', '--frob'], ['--output', 'some', 'up']]) {
      expect(await parse(copy, argv)).toEqual(await parse(real, argv));
    }
  });
});

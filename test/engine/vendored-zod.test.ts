/**
 * tasks/cjs.ts's zod: the build's minified copy (dist/vendor/zod.cjs) is used only when it was
 * made from the zod installed, runs with or without a usable code cache, and checks exactly as
 * `zod` does (the config schema and the plugin-option check rely on it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeCacheOf, runWithCodeCache, vendoredZod } from '../../tasks/cjs.js';
import { ensureBuilt, repoRoot } from '../cli/built.js';

const require = createRequire(import.meta.url);
const zodManifest = require.resolve('zod/package.json');
const installed = (require('zod/package.json') as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'qms-vendored-zod-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dirUrl = (d: string) => pathToFileURL(`${d}/`);

describe('vendoredZod', () => {
  it('is undefined without a copy', () => {
    expect(vendoredZod(dirUrl(tmp))).toBeUndefined();
  });

  it('names the copy made from the zod installed, and not one made from another version', () => {
    const record = (version: string) => writeFileSync(join(tmp, 'zod.json'), JSON.stringify({ version, manifest: relative(tmp, zodManifest) }));
    record(installed);
    expect(vendoredZod(dirUrl(tmp))).toBe(join(tmp, 'zod.cjs'));
    record('3.0.0-other');
    expect(vendoredZod(dirUrl(tmp))).toBeUndefined();
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

describe("the build's copy", () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('is zod: the same exports and the same issues for a strict object', () => {
    const file = vendoredZod(pathToFileURL(join(repoRoot, 'dist', 'vendor/')));
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
});

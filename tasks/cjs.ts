/**
 * Loads CommonJS dependencies (commander, cosmiconfig, jiti, zod, dotenv) with `require`.
 * Importing a CJS package from ESM makes Node scan its source for named exports
 * (cjs-module-lexer); for these packages that cost more than their whole load through
 * `require` and roughly doubled the start-up time of `qms list`.
 *
 * zod (the config schema and the plugin-option check) comes from the minified copy the build
 * makes (dist/vendor/zod.cjs, scripts/startup-bundles.mjs) when it was made from the zod
 * installed, compiled with the V8 code cache the build keeps beside it (V8 checks that it fits
 * this Node and this file, else compiles from the source); otherwise from `zod` itself (running
 * from the sources, or after a build by tsc alone). The same code either way: compiling zod's
 * 150 kB of source was a sixth of `qms list`'s start-up.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Script } from 'node:vm';

export const requireCjs = createRequire(import.meta.url);

type Zod = typeof import('zod');

/** What the build records beside the copy: zod's version and its package.json, relative to the copy. */
interface VendorRecord {
  version: string;
  manifest: string;
}

/** The vendored copy in `dir` when the zod it was made from is still the one installed, else undefined. */
export function vendoredZod(dir: URL = new URL('../vendor/', import.meta.url)): string | undefined {
  try {
    const made = JSON.parse(readFileSync(new URL('zod.json', dir), 'utf8')) as VendorRecord;
    const installed = (JSON.parse(readFileSync(new URL(made.manifest, dir), 'utf8')) as { version?: unknown }).version;
    return installed === made.version ? fileURLToPath(new URL('zod.cjs', dir)) : undefined;
  } catch {
    return undefined; // no copy, or zod moved: `zod` itself
  }
}

/** The code cache kept beside a vendored file. */
export const codeCacheOf = (file: string): string => `${file}.v8-cache`;

/** Runs `file` (CommonJS) the way `require` would, compiled with its code cache when V8 accepts it. */
export function runWithCodeCache(file: string): { exports: unknown; script: Script } {
  const { Script } = requireCjs('node:vm') as typeof import('node:vm');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheOf(file));
  } catch {
    // no cache: compiled from the source
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script };
}

let zod: { exports: Zod; script?: Script } | undefined;

export function loadZod(): Zod {
  if (!zod) {
    const file = vendoredZod();
    zod = file ? (runWithCodeCache(file) as { exports: Zod; script: Script }) : { exports: requireCjs('zod') as Zod };
  }
  return zod.exports;
}

/** V8's code cache of the vendored zod as loaded and used so far (for the build to keep), if it was loaded. */
export const zodCodeCache = (): Buffer | undefined => zod?.script?.createCachedData();

/**
 * Loads CommonJS dependencies (commander, cosmiconfig, jiti, zod, dotenv, dockerode) with
 * `require`. Importing a CJS package from ESM makes Node scan its source for named exports
 * (cjs-module-lexer); for these packages that cost more than their whole load through
 * `require` and roughly doubled the start-up time of `qms list`.
 *
 * zod (the config schema and the plugin-option check), dockerode (every engine call) and
 * commander (every command line but a bare `qms list`) come from the minified copies the build makes (dist/vendor/<name>.cjs, scripts/startup-bundles.mjs)
 * when a copy was made from the package installed, compiled with the V8 code cache the build
 * keeps beside it (V8 checks that it fits this Node and this file, else compiles from the
 * source); otherwise from the package itself (running from the sources, or after a build by tsc
 * alone). The same code either way: compiling zod's 150 kB was a sixth of `qms list`'s start-up,
 * loading dockerode's ~60 files a tenth of a warm `qms up`'s CPU, and commander ~15 ms of every
 * `qms up` before its first task.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Script } from 'node:vm';
import { runWithCodeCache } from './startup/code-cache.js';

export const requireCjs = createRequire(import.meta.url);

/** The packages the build vendors (scripts/startup-bundles.mjs, VENDORED). */
export type VendoredPackage = 'zod' | 'dockerode' | 'commander';

/** What the build records beside a copy: the package's version and its package.json, relative to the copy. */
interface VendorRecord {
  version: string;
  manifest: string;
}

/** The vendored copy of `name` in `dir` when the package it was made from is still the one installed, else undefined. */
export function vendoredCopy(name: VendoredPackage, dir: URL = new URL('../vendor/', import.meta.url)): string | undefined {
  try {
    const made = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as VendorRecord;
    const installed = (JSON.parse(readFileSync(new URL(made.manifest, dir), 'utf8')) as { version?: unknown }).version;
    return installed === made.version ? fileURLToPath(new URL(`${name}.cjs`, dir)) : undefined;
  } catch {
    return undefined; // no copy, or the package moved: the package itself
  }
}

const loaded = new Map<VendoredPackage, { exports: unknown; script?: Script }>();

/** `name` from its vendored copy when one fits, else from node_modules; loaded once. */
export function loadVendored<T>(name: VendoredPackage): T {
  let mod = loaded.get(name);
  if (!mod) {
    const file = vendoredCopy(name);
    mod = file ? runWithCodeCache(file) : { exports: requireCjs(name) };
    loaded.set(name, mod);
  }
  return mod.exports as T;
}

/** V8's code cache of a vendored copy as loaded and used so far (for the build to keep), if it was loaded. */
export const vendoredCodeCache = (name: VendoredPackage): Buffer | undefined => loaded.get(name)?.script?.createCachedData();

export const loadZod = (): typeof import('zod') => loadVendored('zod');

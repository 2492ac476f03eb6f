/**
 * Runs a CommonJS file the way `require` would, compiled with the V8 code cache kept beside it
 * (`<file>.v8-cache`) when V8 accepts it: one made by this Node for this very source. Anything
 * else (no cache, another Node, a flag that changes code generation) compiles from the source,
 * only slower. Used for the vendored packages (tasks/cjs.ts) and qms's own CommonJS build
 * (cjs-build.ts). Keeps no state: the start-up bundles may copy it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The code cache kept beside a file. */
export const codeCacheOf = (file: string): string => `${file}.v8-cache`;

export interface Scope {
  /** The module object the code fills (default: a fresh one). */
  module?: { exports: unknown };
  /** Its `require` (default: Node's, relative to the file). */
  require?: (id: string) => unknown;
  /** More names the code sees as free variables (parameters of its wrapper, in this order). */
  names?: Readonly<Record<string, unknown>>;
}

/** `file` compiled in its CommonJS wrapper (with `names` as more parameters), with its code cache when V8 accepts it. */
export function compileWithCodeCache(file: string, names: readonly string[] = []): Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheOf(file));
  } catch {
    // no cache: compiled from the source
  }
  // The wrapper is part of the source V8 checks the cache against: the same names, the same order.
  const params = ['exports', 'require', 'module', '__filename', '__dirname', ...names].join(', ');
  return new Script(`(function (${params}) {${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
}

export function runWithCodeCache(file: string, scope: Scope = {}): { exports: unknown; script: Script } {
  const names = scope.names ?? {};
  const script = compileWithCodeCache(file, Object.keys(names));
  const module = scope.module ?? { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, scope.require ?? createRequire(file), module, file, dirname(file), ...Object.values(names));
  return { exports: module.exports, script };
}

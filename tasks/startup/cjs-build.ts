/**
 * qms's CommonJS build (dist/cjs/, made by scripts/startup-bundles.mjs from tsc's ES modules):
 * the same code in a few files, each compiled with the V8 code cache the build keeps beside it.
 * Node 20 keeps no compile cache for ES modules, and compiling qms's own code was a third of
 * `qms list`'s start-up (bench/startup.bench.mjs).
 *
 * One copy per process: the CLI runs from it (bin/qms.js) and the package entries the build
 * writes over tsc's (dist/index.js, dist/tasks/index.js) re-export it, so a config's `import …
 * from 'qms'` gets the very classes the CLI checks against. Its state lives on globalThis, so
 * every instance of this module finds the same copy: its CommonJS copy (the build makes one for
 * bin/qms.js, which requires it), its ES module (the package entries), one jiti may evaluate. What the
 * build does not bundle (an `import()` of a package or of a computed URL) goes through
 * `importFrom`, which answers an entry's URL from the build as well.
 *
 * The build is used only when it was made from dist/'s current files (MARKED_FILE carries the
 * build's id); otherwise `buildEntry` gives undefined and the caller uses the ES modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Script } from 'node:vm';
import { codeCacheOf, compileWithCodeCache, runWithCodeCache } from './code-cache.js';

/** The build's entries: each name, and the ES module (relative to dist/) it is made from. */
export const BUILD_ENTRIES = { main: 'tasks/cli/main.js', index: 'index.js', engine: 'tasks/index.js' } as const;
export type BuildEntry = keyof typeof BUILD_ENTRIES;

/** The build's folder in dist/, and its record there. */
export const BUILD_DIR = 'cjs';
export const BUILD_RECORD = 'build.json';
/**
 * The file (relative to dist/) the build marks with its id: tsc writes it again on every build,
 * without the mark. Its content, not its mtime, since a package copied or packed keeps no mtimes.
 */
export const MARKED_FILE = 'tasks/cli/main.js';
export const buildMark = (id: string): string => `\n// qms CommonJS build ${id}\n`;

/** What the build records: the id it marked MARKED_FILE with. */
export interface BuildRecord {
  id: string;
}

interface Chunk {
  module: { exports: unknown };
  script?: Script;
}
interface State {
  current?: boolean;
  chunks: Map<string, Chunk>;
}

const dist = fileURLToPath(new URL('../../', import.meta.url));
const KEY = Symbol.for('qms.cjs-build');
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { chunks: new Map() }) as State;

const entryFile = (name: BuildEntry): string => join(dist, BUILD_DIR, `${name}.cjs`);

function isCurrent(): boolean {
  if (state.current === undefined) {
    try {
      const record = JSON.parse(readFileSync(join(dist, BUILD_DIR, BUILD_RECORD), 'utf8')) as Partial<BuildRecord>;
      state.current = typeof record.id === 'string' && readFileSync(join(dist, MARKED_FILE), 'utf8').endsWith(buildMark(record.id));
    } catch {
      state.current = false; // no build (tsc alone, or no rolldown): the ES modules
    }
  }
  return state.current;
}

/** The URL `import.meta.url` had in the ES module at `file` (relative to dist/). */
const urlOf = (file: string): string => pathToFileURL(join(dist, file)).href;

/** What else a chunk requires: Node's built-in modules (the build leaves nothing else to require). */
let nodeRequire: NodeJS.Require | undefined;
const requireBuiltin = (id: string): unknown => (nodeRequire ??= createRequire(import.meta.url))(id);

/**
 * `import(specifier)` for the build's module at `importer` (its path in dist/): a relative
 * specifier resolves against that module's own URL, and an entry's ES module is answered from
 * the build.
 */
function importFrom(specifier: unknown, importer: string): Promise<unknown> {
  const target = typeof specifier === 'string' && specifier.startsWith('.') ? new URL(specifier, urlOf(importer)).href : specifier;
  for (const [name, file] of Object.entries(BUILD_ENTRIES)) {
    if (target === urlOf(file)) return Promise.resolve(runChunk(entryFile(name as BuildEntry)));
  }
  return import(target as string);
}

/** The names the build gives its code for `import()` and `import.meta.url` (scripts/cjs-build.mjs rewrites them to these). */
const chunkNames = { __qmsImport: importFrom, __qmsUrl: urlOf };

function runChunk(file: string): unknown {
  let chunk = state.chunks.get(file);
  if (!chunk) {
    const made: Chunk = { module: { exports: {} } };
    chunk = made;
    // Known before it runs: a cycle between chunks gets the exports so far, as with require.
    state.chunks.set(file, made);
    const chunkRequire = (id: string): unknown => (id.startsWith('./') ? runChunk(join(dirname(file), id)) : requireBuiltin(id));
    made.script = runWithCodeCache(file, { module: made.module, require: chunkRequire, names: chunkNames }).script;
  }
  return chunk.module.exports;
}

/** The exports of entry `name` from the build, or undefined when dist/ has no current build. */
export function buildEntry<T>(name: BuildEntry): T | undefined {
  return isCurrent() ? (runChunk(entryFile(name)) as T) : undefined;
}

/**
 * For the build: where to keep each chunk's code cache, and the cache: of a chunk this process
 * ran, as it ran (with the functions it compiled); of any other, its compile alone.
 */
export function chunkCodeCaches(): { file: string; cache: Buffer; ran: boolean }[] {
  const dir = join(dist, BUILD_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => {
      const file = join(dir, f);
      const ran = state.chunks.get(file)?.script;
      return { file: codeCacheOf(file), cache: (ran ?? compileWithCodeCache(file, Object.keys(chunkNames))).createCachedData(), ran: ran !== undefined };
    });
}

/**
 * Evaluates a config file and returns its module namespace. `.ts`/`.mts` go through jiti (a
 * cached Babel transform: no TypeScript compiler runs, and a config unchanged since the last
 * call is not transformed again); `.js`/`.mjs` are imported natively. `import … from 'qms'`
 * inside a `.ts`/`.mts` config resolves to the running qms (jiti's alias); inside a `.js`/`.mjs`
 * config Node's own resolution decides (the project's node_modules/qms, or this package when
 * the config lives in it), since a native import has no alias without a loader hook.
 *
 * A `.ts`/`.mts` config importing only `qms` is evaluated from its compiled form kept under
 * `.qms/` when `cacheRoot` is given and the file is unchanged (compiled-config.ts): jiti is not
 * even loaded then.
 *
 * Anything thrown while evaluating (a syntax error, a plugin factory rejecting its options)
 * becomes a ConfigError naming the file, the line and the 1-based column; a module that does
 * not finish evaluating within the time limit (a top-level `await` that never settles) is one
 * too, instead of the process quietly running out of work and exiting 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { requireCjs } from '../cjs.js';
import { ConfigError } from '../errors.js';
import { packageVersion } from '../../plugins/mcp-server/package-root.js';
import { keepCompiled, readCompiled, runCompiled } from './compiled-config.js';

/** dist/index.js of the running qms, the target of `'qms'` imports in configs. */
export const selfEntry = fileURLToPath(new URL('../../index.js', import.meta.url));

/** How long a config may take to evaluate; `QMS_CONFIG_TIMEOUT_MS` changes it. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

export function loadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.QMS_CONFIG_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LOAD_TIMEOUT_MS;
}

async function importModule(file: string, cacheRoot: string | undefined): Promise<Record<string, unknown>> {
  if (/\.[cm]?ts$/.test(file)) {
    // Only ES module TypeScript is kept compiled (a .cts is jiti's alone), and only when `qms`
    // is the built entry a native import can load (not the sources, as under vitest).
    const keep = cacheRoot !== undefined && /\.m?ts$/.test(file) && existsSync(selfEntry) ? { root: cacheRoot, source: readFileSync(file, 'utf8'), version: packageVersion() } : undefined;
    const kept = keep && readCompiled(keep.root, file, keep.source, keep.version);
    if (kept !== undefined) return runCompiled(kept, file, selfEntry);
    const { createJiti } = requireCjs('jiti') as typeof import('jiti');
    // No interopDefault: with it, jiti reads `.then` of the default export and a
    // `export default null` crashes inside jiti; the namespace is checked by the caller.
    const jiti = createJiti(import.meta.url, { fsCache: true, moduleCache: false, interopDefault: false, alias: { qms: selfEntry } });
    const namespace = (await jiti.import(file)) as Record<string, unknown>;
    // The same transform jiti.import ran (from jiti's own cache), kept once it has evaluated.
    if (keep) await keepCompiled(keep.root, file, keep.source, keep.version, jiti.transform({ filename: file, source: keep.source, ts: true, async: true, jsx: false }));
    return namespace;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * The config's module namespace (`default` is the config, when there is one). `cacheRoot`: the
 * project root whose `.qms/` may keep the compiled config.
 */
export async function loadConfigModule(file: string, timeoutMs = loadTimeoutMs(), cacheRoot?: string): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const secs = `${Number((timeoutMs / 1000).toFixed(1))}s`;
      reject(
        new ConfigError(
          `${basename(file)}: did not finish loading within ${secs} (a top-level await that never settles, or something it imports that hangs)`,
          `make the config's top-level code finish (or set QMS_CONFIG_TIMEOUT_MS to allow longer than ${timeoutMs} ms)`,
          file,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([importModule(file, cacheRoot), limit]);
  } catch (err) {
    throw configLoadError(err, file);
  } finally {
    clearTimeout(timer);
  }
}

/** `:line:column` (1-based) of the first stack frame inside the config file, if any. */
export function locationIn(err: Error, file: string): string {
  const stack = err.stack ?? '';
  for (const name of [pathToFileURL(file).href, file]) {
    const at = stack.indexOf(`${name}:`);
    if (at < 0) continue;
    const m = /^:(\d+):(\d+)/.exec(stack.slice(at + name.length));
    if (m) return `:${m[1]}:${m[2]}`;
  }
  return '';
}

/**
 * Where Node's ESM loader found a syntax error: its SyntaxError carries no position, so the
 * file is checked again with `node --check`, which prints `file:line`, the line and a caret.
 */
function nativeSyntaxError(file: string): { at: string; what: string } | undefined {
  const { spawnSync } = requireCjs('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  const lines = (r.stderr ?? '').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${file}:`));
  const what = lines.find((l) => l.startsWith('SyntaxError: '))?.slice('SyntaxError: '.length);
  if (at < 0 || !what) return undefined;
  const line = /:(\d+)$/.exec(lines[at]!)?.[1];
  const caret = lines[at + 2]?.indexOf('^') ?? -1;
  return { at: line ? `:${line}${caret >= 0 ? `:${caret + 1}` : ''}` : '', what };
}

export function configLoadError(err: unknown, file: string): ConfigError {
  const where = basename(file);
  if (err instanceof ConfigError && err.file) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const hint = (e as { hint?: unknown }).hint;
  const key = (e as { key?: unknown }).key;
  const native = !/\.[cm]?ts$/.test(file);
  // Node's SyntaxError for an imported module has no position: `node --check` gives it.
  const syntax = native && (e.name === 'SyntaxError' || /parse|unexpected/i.test(e.message)) ? nativeSyntaxError(file) : undefined;
  if (syntax) return new ConfigError(`${where}${syntax.at}: syntax error: ${syntax.what}`, `fix the syntax of ${file}`, file);
  if (e.name === 'SyntaxError' || /^(SyntaxError|ParseError)\b|Unexpected token/.test(e.message)) {
    // jiti reports `ParseError: <what>  \n <file>:<line>:<col>` with Babel's 0-based column.
    const loc = /:(\d+):(\d+)\s*$/.exec(e.message.trim());
    const at = loc ? `:${loc[1]}:${Number(loc[2]) + 1}` : locationIn(e, file);
    const what = firstLine(e.message).replace(/^(SyntaxError|ParseError):\s*/, '');
    return new ConfigError(`${where}${at}: syntax error: ${what}`, `fix the syntax of ${file}`, file);
  }
  const at = locationIn(e, file);
  // A plugin factory's own QmsError/ConfigError already says what is wrong and how to fix it.
  if (typeof hint === 'string' || e.name === 'ConfigError' || e.name === 'QmsError') {
    return new ConfigError(`${where}${at}: ${e.message}`, typeof hint === 'string' ? hint : undefined, file, typeof key === 'string' ? key : undefined);
  }
  return new ConfigError(`${where}${at}: failed to load: ${firstLine(e.message)}`, `fix the error in ${file} (or in what it imports)`, file);
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();

/**
 * A TypeScript config's compiled form, kept in `.qms/config-cache/` so that a warm run
 * evaluates it without loading jiti (a fifth of `qms list`'s start-up). What is kept is jiti's
 * own transform of the file; it is run the way jiti runs it (the same function wrapper, file
 * name and arguments, so an error points at the same line). An entry holds the source it was
 * made from and qms's version, and is used only when both are the same as now (the code names
 * no path: the file's is given when it runs). Only a config whose only import is `qms` is
 * kept: resolving anything else (relative TypeScript files, packages, `import.meta`) stays
 * jiti's business. `.qms/` is qms's own folder (0700, masked in the agent's container).
 * No hashing (node:crypto alone costs a tenth of `node -e 0`): the entry is found by the file's
 * name and compared whole.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireCjs } from '../cjs.js';
import { ensureQmsSubdir, qmsDir } from '../state/qms-dir.js';

/** Bumped when what is kept, or how it is run, changes. */
const FORMAT = 1;
const CACHE_DIR = 'config-cache';

interface Entry {
  format: number;
  version: string;
  source: string;
  code: string;
}

/** One entry per config file name in the project (qms.config.ts, qms.config.mts). */
const entryPath = (root: string, file: string): string => join(qmsDir(root), CACHE_DIR, `${basename(file)}.json`);

/**
 * Code jiti emitted that needs nothing of jiti's at run time: every import is `qms` (through
 * `jitiImport`) and nothing else of jiti's, Node's module system or `import.meta` is used.
 */
export function runnableWithoutJiti(code: string): boolean {
  if (code.includes('__JITI_ERROR__')) return false;
  if (/\b(require|module|jitiESMResolve)\b|import\.meta/.test(code)) return false;
  return [...code.matchAll(/\bjitiImport\b(.{0,8})/g)].every((m) => m[1]!.startsWith('("qms")'));
}

/** The kept compiled form of `file` if it was made from `source` by this version of qms. */
export function readCompiled(root: string, file: string, source: string, version: string): string | undefined {
  let entry: Partial<Entry>;
  try {
    entry = JSON.parse(readFileSync(entryPath(root, file), 'utf8')) as Partial<Entry>;
  } catch {
    return undefined;
  }
  const fresh = entry.format === FORMAT && entry.version === version && entry.source === source && typeof entry.code === 'string';
  return fresh && runnableWithoutJiti(entry.code!) ? entry.code : undefined;
}

/** Keep `code` (jiti's transform of `source`) when it can run without jiti; a failure to write is no error. */
export async function keepCompiled(root: string, file: string, source: string, version: string, code: string): Promise<void> {
  if (!runnableWithoutJiti(code)) return;
  try {
    await ensureQmsSubdir(root, CACHE_DIR);
    const path = entryPath(root, file);
    const entry: Entry = { format: FORMAT, version, source, code };
    // Written whole, then renamed: a reader never sees half an entry.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A read-only project or a full disk: the next run compiles again.
  }
}

/** Evaluate kept code as jiti would: its module's exports (the namespace jiti returns). */
export async function runCompiled(code: string, file: string, qmsEntry: string): Promise<Record<string, unknown>> {
  const { runInThisContext } = requireCjs('node:vm') as typeof import('node:vm');
  const wrapped = `(async function (exports, require, module, __filename, __dirname, jitiImport, jitiESMResolve) { ${code}\n});`;
  const fn = runInThisContext(wrapped, { filename: file, lineOffset: 0, displayErrors: false }) as (...args: unknown[]) => Promise<void>;
  const module = { exports: {} as Record<string, unknown> };
  const qms = pathToFileURL(qmsEntry).href;
  const jitiImport = (id: string) => (id === 'qms' ? import(qms) : Promise.reject(new Error(`cannot import ${id} from a kept compiled config`)));
  const notJiti = () => {
    throw new Error('not available in a kept compiled config');
  };
  await fn(module.exports, notJiti, module, file, dirname(file), jitiImport, notJiti);
  return module.exports;
}

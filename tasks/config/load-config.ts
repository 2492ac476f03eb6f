/**
 * Stage 1 of a run: find the config (`qms.config.ts`, `.mts`, `.js`, `.mjs` in the working
 * directory or the nearest folder above it; or `--config PATH`), evaluate it, check its shape
 * and resolve it. The project root is the config file's folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { requireCjs } from '../cjs.js';
import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from '../types.js';
import { configLoadError, loadConfigModule } from './load-module.js';
import { resolveConfig } from './resolve-config.js';
import { validateUserConfig } from './validate-config.js';

export const SEARCH_PLACES = ['qms.config.ts', 'qms.config.mts', 'qms.config.js', 'qms.config.mjs'] as const;

export interface LoadConfigOptions {
  /** Folder searched when no `configPath` is given (default: the working directory). */
  cwd?: string;
  /** `--config PATH`, relative to `cwd`. */
  configPath?: string;
  /** How long evaluating the config may take (default: `QMS_CONFIG_TIMEOUT_MS`, else 30 s). */
  loadTimeoutMs?: number;
  /**
   * With no config file anywhere up from `cwd`: a default set-up to use instead, if this
   * returns one (the CLI's: a folder holding `QMS/`). It is evaluated as if it were
   * `qms.config.ts` in its root, and `notice` is passed to `onDefault`.
   */
  defaultConfig?: (cwd: string) => Promise<DefaultConfig | undefined>;
  onDefault?: (notice: string) => void;
}

/** A config's source text standing in for a missing `qms.config.ts` in `root`. */
export interface DefaultConfig {
  root: string;
  source: string;
  notice: string;
}

/**
 * `--config PATH`, else the first of SEARCH_PLACES in the working directory or the nearest
 * folder above it that has one (as go-task and npm do), so `qms` works from a subfolder.
 * An empty config file counts as found (and is then reported as empty, not as missing).
 */
export async function findConfigFile(options: LoadConfigOptions = {}): Promise<string> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.configPath) {
    const file = resolve(cwd, options.configPath);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${options.configPath}`, `check the path given to --config (resolved to ${file})`, file);
    return file;
  }
  const found = searchUpward(cwd);
  if (!found) {
    throw new ConfigError(
      `no qms config in ${cwd} or any folder above it`,
      `run \`qms init\` to write a commented qms.config.ts, or create one of ${SEARCH_PLACES.join(', ')} (export default defineConfig({...})), or pass --config PATH`,
    );
  }
  return found;
}

/**
 * The nearest config file from `dir` up to the filesystem root, found by cosmiconfig (its
 * `global` strategy, stopped at the root; its per-user config folder is not ours to read).
 * Evaluation is ours (jiti for TypeScript): cosmiconfig only finds the file. One in `dir`
 * itself (the usual case) is what cosmiconfig would find first; it is taken without loading
 * cosmiconfig, which costs a fifth of `qms list`'s start-up.
 */
export function searchUpward(dir: string): string | undefined {
  const here = SEARCH_PLACES.map((place) => join(dir, place)).find(isFile);
  if (here) return here;
  const { cosmiconfigSync } = requireCjs('cosmiconfig') as typeof import('cosmiconfig');
  const explorer = cosmiconfigSync('qms', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'global',
    stopDir: parse(dir).root,
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: Object.fromEntries(['.ts', '.mts', '.js', '.mjs', 'noExt'].map((ext) => [ext, () => ({})])),
  });
  const found = explorer.search(dir)?.filepath;
  return found !== undefined && SEARCH_PLACES.includes(basename(found) as (typeof SEARCH_PLACES)[number]) ? found : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  if (!options.configPath && options.defaultConfig) {
    const cwd = resolve(options.cwd ?? process.cwd());
    if (!searchUpward(cwd)) {
      const fallback = await options.defaultConfig(cwd);
      if (fallback) return loadDefaultConfig(fallback, options);
    }
  }
  const file = await findConfigFile(options);
  const where = basename(file);
  if (readFileSync(file, 'utf8').trim() === '') {
    throw new ConfigError(`${where}: the file is empty`, `write \`export default defineConfig({ ... })\` in it (\`qms init\` writes a commented one)`, file);
  }
  const namespace = await loadConfigModule(file, options.loadTimeoutMs, dirname(file));
  if (!('default' in namespace)) {
    const names = Object.keys(namespace).filter((k) => k !== '__esModule');
    throw new ConfigError(
      `${where}: no default export${names.length ? ` (it exports ${names.map((n) => `"${n}"`).join(', ')})` : ''}`,
      'the config is the default export: export default defineConfig({ plugins: [...], chains: {...} })',
      file,
    );
  }
  try {
    return resolveConfig(validateUserConfig(namespace.default, file), file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw configLoadError(err, file);
  }
}

/** Evaluate a default config's text (from a private temp file) as the root's `qms.config.ts`. */
async function loadDefaultConfig(d: DefaultConfig, options: LoadConfigOptions): Promise<ResolvedConfig> {
  const file = join(d.root, 'qms.config.ts');
  const { tmpdir } = await import('node:os'); // only here: node:os is not loaded for a config file
  const dir = mkdtempSync(join(tmpdir(), 'qms-default-config-'));
  const tmp = join(dir, 'qms.config.ts');
  try {
    writeFileSync(tmp, d.source, { mode: 0o600 });
    const namespace = await loadConfigModule(tmp, options.loadTimeoutMs, d.root);
    const config = resolveConfig(validateUserConfig(namespace.default, file), file);
    options.onDefault?.(d.notice);
    return config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Stage 1 of a run: find the config (cosmiconfig, only in the project folder:
 * `qms.config.ts`, `.mts`, `.js`, `.mjs`; or `--config PATH`), evaluate it, check its shape
 * and resolve it. The project root is the config file's folder.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
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
}

export async function findConfigFile(options: LoadConfigOptions = {}): Promise<string> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.configPath) {
    const file = resolve(cwd, options.configPath);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${options.configPath}`, `check the path given to --config (resolved to ${file})`, file);
    return file;
  }
  const { cosmiconfig } = requireCjs('cosmiconfig') as typeof import('cosmiconfig');
  const explorer = cosmiconfig('qms', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'none',
    cache: false,
    // Evaluation is ours (jiti for TypeScript); cosmiconfig only finds the file.
    loaders: Object.fromEntries(['.ts', '.mts', '.js', '.mjs'].map((ext) => [ext, (file: string) => ({ file })])),
  });
  const found = await explorer.search(cwd);
  if (!found) {
    throw new ConfigError(`no qms config in ${cwd}`, `create ${SEARCH_PLACES.join(', ')} there (export default defineConfig({...})), or pass --config PATH`);
  }
  return found.filepath;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const file = await findConfigFile(options);
  const exported = await loadConfigModule(file);
  if (exported === undefined) {
    throw new ConfigError(`${basename(file)}: no default export`, 'export default defineConfig({ plugins: [...], chains: {...} })', file);
  }
  try {
    return resolveConfig(validateUserConfig(exported, file), file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw configLoadError(err, file);
  }
}

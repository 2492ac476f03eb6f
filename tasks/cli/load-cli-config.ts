/**
 * How every CLI command loads the config: `--config`, else the nearest `qms.config.*` up from
 * the working directory, else, in a folder holding `QMS/` (or below one), the default set-up
 * `qms init` would write, said in one line on stderr.
 */
import { statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { loadConfig, type DefaultConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../types.js';
import type { GlobalOptions } from './global-options.js';

/** The nearest folder from `dir` up holding a `QMS/` folder. */
export function findQmsRepository(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(join(d, 'QMS')).isDirectory()) return d;
    } catch {
      // no QMS/ here
    }
    if (dirname(d) === d) return undefined;
  }
}

/** The default set-up for the QMS repository at or above `cwd`, if any. */
export async function qmsRepositoryDefault(cwd: string): Promise<DefaultConfig | undefined> {
  const root = findQmsRepository(cwd);
  if (!root) return undefined;
  const [{ defaultConfigSource, describeProject, detectProject }, { packageRoot }] = await Promise.all([
    import('../../presets/default-config.js'),
    import('../../plugins/mcp-server/package-root.js'),
  ]);
  const facts = detectProject(root, join(packageRoot(), 'docker'));
  const where = relative(cwd, root) || '.';
  return {
    root,
    source: defaultConfigSource(facts),
    notice: `no qms.config.ts: using the default set-up for ${describeProject(facts)} in ${where} (\`qms init\` writes it to a file you can edit)`,
  };
}

/** Loaded once per process and config path: the CLI reads it to register plugin commands, then runs with it. */
const loaded = new Map<string, Promise<ResolvedConfig>>();

export function loadCliConfig(globals: Pick<GlobalOptions, 'config'>, err: NodeJS.WritableStream = process.stderr): Promise<ResolvedConfig> {
  const key = `${process.cwd()}\0${globals.config ?? ''}`;
  let config = loaded.get(key);
  if (!config) {
    config = loadFreshCliConfig(globals, (notice) => err.write(`qms: ${notice}\n`));
    loaded.set(key, config);
  }
  return config;
}

/** The same, evaluated again (for a long-lived service that follows edits to the config); no notice unless `onDefault`. */
export function loadFreshCliConfig(globals: Pick<GlobalOptions, 'config'>, onDefault: (notice: string) => void = () => undefined): Promise<ResolvedConfig> {
  return loadConfig({ configPath: globals.config, defaultConfig: qmsRepositoryDefault, onDefault });
}

/**
 * Evaluates a config file. `.ts`/`.mts` go through jiti (a cached Babel transform: no
 * TypeScript compiler runs, and a config unchanged since the last call is not transformed
 * again); `.js`/`.mjs` are imported natively. `import … from 'qms'` inside a `.ts`/`.mts`
 * config resolves to the running qms (jiti's alias); inside a `.js`/`.mjs` config Node's own
 * resolution decides (the project's node_modules/qms, or this package when the config lives
 * in it), since a native import has no alias without a loader hook. Anything thrown while
 * evaluating (a syntax error, a plugin factory rejecting its options) becomes a ConfigError
 * naming the file.
 */
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { requireCjs } from '../cjs.js';
import { ConfigError } from '../errors.js';

/** dist/index.js of the running qms, the target of `'qms'` imports in configs. */
export const selfEntry = fileURLToPath(new URL('../../index.js', import.meta.url));

export async function loadConfigModule(file: string): Promise<unknown> {
  try {
    if (/\.[cm]?ts$/.test(file)) {
      const { createJiti } = requireCjs('jiti') as typeof import('jiti');
      const jiti = createJiti(import.meta.url, { fsCache: true, moduleCache: false, interopDefault: true, alias: { qms: selfEntry } });
      return await jiti.import(file, { default: true });
    }
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return mod.default ?? mod;
  } catch (err) {
    throw configLoadError(err, file);
  }
}

export function configLoadError(err: unknown, file: string): ConfigError {
  const where = basename(file);
  if (err instanceof ConfigError && err.file) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const hint = (e as { hint?: unknown }).hint;
  // A plugin factory's own QmsError/ConfigError already says what is wrong and how to fix it.
  if (typeof hint === 'string' || e.name === 'ConfigError' || e.name === 'QmsError') {
    return new ConfigError(`${where}: ${e.message}`, typeof hint === 'string' ? hint : undefined, file);
  }
  if (e.name === 'SyntaxError' || /^(SyntaxError|ParseError)\b|Unexpected token/.test(e.message)) {
    // jiti reports `ParseError: <what>  \n <file>:<line>:<col>`; keep what and where.
    const loc = /:(\d+):(\d+)\s*$/.exec(e.message.trim());
    const what = firstLine(e.message).replace(/^(SyntaxError|ParseError):\s*/, '');
    return new ConfigError(`${where}${loc ? `:${loc[1]}:${loc[2]}` : ''}: syntax error: ${what}`, `fix the syntax of ${file}`, file);
  }
  return new ConfigError(`${where}: failed to load: ${firstLine(e.message)}`, `fix the error in ${file} (or in what it imports)`, file);
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();

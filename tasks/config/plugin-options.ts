/**
 * The one option check for plugin factories: a zod object schema, strict, so a misspelt
 * option (`container({ agnet: … })`) is rejected with a did-you-mean instead of being ignored.
 * The error is a ConfigError naming the factory and the key; loading the config adds the file
 * and the line of the call.
 */
import type { ZodRawShape, ZodTypeAny, z as Z } from 'zod';
import { ConfigError } from '../errors.js';
import { didYouMean } from '../graph/suggest.js';
import { loadZod } from '../cjs.js';

export const z = loadZod().z;

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : typeof v);

/** An option of any value: its key is known, its value is checked by the plugin itself. */
export const anyValue = (): ZodTypeAny => UNKNOWN;
// One schema for every such key (a zod schema is immutable): making one costs ~40 µs at start-up.
const UNKNOWN = z.unknown();

/**
 * Check `options` against `shape` (every key optional unless the schema says otherwise) for
 * the factory `factory` (e.g. `container`); returns the parsed options.
 */
export function checkPluginOptions<S extends ZodRawShape>(factory: string, shape: S, options: unknown): Z.infer<Z.ZodObject<S>> {
  const name = `${factory}()`;
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(`${name} takes an options object, got ${typeOf(options)}`, `call it as ${factory}({ ... }) or ${factory}()`, undefined, factory);
  }
  const parsed = z.object(shape).strict().safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new ConfigError(
      `${name}: unknown option \`${key}\`${didYouMean(key, Object.keys(shape))}`,
      `${name} takes: ${Object.keys(shape).join(', ')}`,
      undefined,
      key,
    );
  }
  const key = issue.path.map(String).join('.');
  const value = issue.path.reduce<unknown>((v, p) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined), options);
  const what = issue.code === 'invalid_type' ? `expected ${issue.expected}, got ${typeOf(value)}` : issue.message;
  throw new ConfigError(`${name}: option \`${key}\`: ${what}`, `fix ${key} in ${name}`, undefined, key);
}

/** Turns the first zod issue of a config into one ConfigError naming the file and the key. */
import { basename } from 'node:path';
import type { ZodIssue } from 'zod';
import { ConfigError } from '../errors.js';
import { didYouMean } from '../graph/suggest.js';
import type { UserConfig } from '../types.js';
import { configSchemas } from './schema.js';

/** `chains.up[2]`, `plugins[1].tasks[0].run`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function at(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** The keys a config and a task may have, for a did-you-mean. */
interface KnownKeys {
  configKeys: readonly string[];
  taskKeys: readonly string[];
}

function describe(issue: ZodIssue, config: unknown, known: KnownKeys): { key: string; message: string } {
  let path = issue.path;
  // A bad plugin entry fails every member of the union; report the plugin branch's issue.
  if (issue.code === 'invalid_union') {
    const inner = issue.unionErrors.map((e) => e.issues[0]).find((i) => i && i.code !== 'invalid_literal' && !(i.code === 'invalid_type' && (i.expected === 'null' || i.expected === 'undefined')));
    if (inner) return describe(inner, config, known);
  }
  const value = at(config, path);
  let message: string;
  switch (issue.code) {
    case 'invalid_type':
      message =
        issue.received === 'undefined'
          ? `required, expected ${issue.expected}`
          : typeof value === 'number' && Number.isNaN(value)
            ? 'expected a number, got NaN'
            : `expected ${issue.expected}, got ${typeOf(value)}`;
      break;
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      path = [...path, key];
      message = `unknown key${didYouMean(key, path.length === 1 ? known.configKeys : known.taskKeys)}`;
      break;
    }
    case 'too_small':
      message =
        issue.type === 'number'
          ? `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${String(value)}${path[path.length - 1] === 'timeout' ? ' (milliseconds; leave timeout out for no limit)' : ''}`
          : issue.message;
      break;
    case 'invalid_string':
      message = `${issue.message}, got ${JSON.stringify(value)}`;
      break;
    default:
      message = issue.message;
  }
  // Name the task too when the path goes through one with a name: `tasks[1] (task "deploy")`.
  let label = '';
  const t = path.lastIndexOf('tasks');
  if (t >= 0 && typeof path[t + 1] === 'number') {
    const task = at(config, path.slice(0, t + 2));
    const name = task !== null && typeof task === 'object' ? (task as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && name) label = ` (task "${name}")`;
  }
  return { key: formatPath(path), message: `${formatPath(path)}${label}: ${message}` };
}

export function validateUserConfig(config: unknown, file: string): UserConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(
      `${basename(file)}: the default export must be a config object, got ${typeOf(config)}`,
      'export default defineConfig({ plugins: [...], chains: {...} })',
      file,
    );
  }
  const schemas = configSchemas();
  const parsed = schemas.userConfigSchema.safeParse(config);
  if (!parsed.success) {
    const { key, message } = describe(parsed.error.issues[0]!, config, schemas);
    throw new ConfigError(`${basename(file)}: ${message}`, 'see the config format in the qms README (tasks/README.md)', file, key);
  }
  return config as UserConfig;
}

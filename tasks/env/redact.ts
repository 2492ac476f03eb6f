/**
 * Secret redaction shared by every renderer, log line, JSON event and error message.
 * Secrets come from env variables whose *name* looks secret, judged by word (`GH_TOKEN`,
 * `ANTHROPIC_API_KEY`, `DB_PASSWORD`; not `GIT_AUTHOR_NAME`, `KEYBOARD`, `COMPASS_DIR`), and
 * from values registered at run time (`ctx.addSecret`, e.g. a generated bearer token).
 */
import type { Env } from '../types.js';

export const REDACTED = '***';

/** Anywhere in the name: `*SECRET*`, `*PASSWORD*`, `*PASSPHRASE*`, `*PRIVATE_KEY*`. */
const SECRET_ANYWHERE = /SECRET|PASSWORD|PASSPHRASE|PRIVATE_?KEY/;
/** The name's last word: `*_TOKEN`, `*_KEY`, `*_APIKEY`, `*_PAT`, `*_PASS`, `*_PASSWD`, `*_PWD`, `*_AUTH`. */
const SECRET_LAST_WORD = new Set(['TOKEN', 'KEY', 'APIKEY', 'PAT', 'PASS', 'PASSWD', 'PWD', 'AUTH']);
/** Not secrets although their last word says so: the shell's working folders. */
const NOT_SECRET = new Set(['PWD', 'OLDPWD']);

/**
 * Whether an env variable's name looks like it holds a secret. Words are split at `_`, `-`, `.`
 * and camelCase humps, so `apiKey` is `API_KEY` and `KEYBOARD` is one word (not a key).
 */
export function isSecretName(name: string): boolean {
  const upper = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  if (NOT_SECRET.has(upper)) return false;
  if (SECRET_ANYWHERE.test(upper)) return true;
  const words = upper.split(/[^A-Z0-9]+/).filter(Boolean);
  return SECRET_LAST_WORD.has(words[words.length - 1] ?? '');
}

/** Shorter values ("true", "1234") would redact ordinary words and numbers all over the output. */
export const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.add(v);
  }

  /** Register a value to be hidden from now on; values shorter than 6 characters are ignored. */
  add(value: string): void {
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || this.secrets.has(v)) return;
    this.secrets.add(v);
    this.pattern = undefined;
  }

  /** Register the value of every env variable whose name looks secret (`isSecretName`). */
  addFromEnv(env: Env | NodeJS.ProcessEnv): void {
    for (const [key, value] of Object.entries(env)) {
      if (value !== undefined && isSecretName(key)) this.add(value);
    }
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    // Longest first, so a secret containing another one is hidden whole.
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Redact every string inside a JSON-like value (for NDJSON events). */
  redactDeep<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return walk(value, (s) => this.redact(s)) as T;
  }
}

function walk(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, fn);
    return out;
  }
  return value;
}

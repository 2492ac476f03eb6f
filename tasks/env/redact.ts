/**
 * Secret redaction shared by every renderer, log line, JSON event and error message.
 * Secrets come from secret-looking env keys (TOKEN, SECRET, KEY, …) and from values
 * registered at run time (`ctx.addSecret`, e.g. a generated bearer token).
 */
import type { Env } from '../types.js';

export const REDACTED = '***';

/** Keys whose values are treated as secrets (case-insensitive, anywhere in the key). */
export const SECRET_KEY_PATTERN = /TOKEN|SECRET|KEY|PASSWORD|PASS|CREDENTIAL|AUTH/i;

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

  /** Register every secret-looking entry of an env. */
  addFromEnv(env: Env | NodeJS.ProcessEnv): void {
    for (const [key, value] of Object.entries(env)) {
      if (value !== undefined && SECRET_KEY_PATTERN.test(key)) this.add(value);
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

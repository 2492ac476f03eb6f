/**
 * The shape every auth check returns: a level, a one-line finding and, unless all is well,
 * the fix. Messages never carry a secret's value, only where it came from and its shape.
 */
export type CheckLevel = 'ok' | 'warn' | 'error';

export interface AuthCheck {
  /** Stable id, e.g. `docker`, `claude-credentials`, `gh-token`, `env-file:docker/.env`. */
  id: string;
  level: CheckLevel;
  message: string;
  /** How to fix it (present for `warn` and `error`). */
  hint?: string;
}

export const ok = (id: string, message: string): AuthCheck => ({ id, level: 'ok', message });
export const warn = (id: string, message: string, hint: string): AuthCheck => ({ id, level: 'warn', message, hint });
export const fail = (id: string, message: string, hint: string): AuthCheck => ({ id, level: 'error', message, hint });

/**
 * The three tiers of errors the user sees: a known error (QmsError, ConfigError) prints its
 * message and hint without a stack; an unexpected one prints its stack; a ReportedError
 * only sets the exit code, and so does Interrupted (130: the signal handler already said so).
 * Everything printed is redacted.
 */
import { ConfigError, QmsError, ReportedError } from '../errors.js';
import type { Redactor } from '../env/redact.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

let redactor: Redactor | undefined;
/** Called once the project's env is known, so errors printed later are redacted too. */
export function setErrorRedactor(r: Redactor): void {
  redactor = r;
}
const clean = (s: string) => (redactor ? redactor.redact(s) : s);

/** Duck-typed too: a config may load a second copy of the errors module. */
const isKnown = (err: unknown): err is QmsError =>
  err instanceof QmsError || (err instanceof Error && (err.name === 'QmsError' || err.name === 'ConfigError' || err.name === 'TaskError'));

export function reportError(err: unknown, out: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof ReportedError || (err instanceof Error && err.name === 'ReportedError')) return (err as ReportedError).exitCode;
  if (err instanceof Error && err.name === 'Interrupted') return EXIT.interrupted;
  if (isKnown(err)) {
    out.write(`qms: ${clean(err.message)}\n`);
    if (err.hint) out.write(`  hint: ${clean(err.hint)}\n`);
    return err instanceof ConfigError || err.name === 'ConfigError' ? EXIT.usage : EXIT.failed;
  }
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  out.write(`qms: unexpected error (a bug in qms or a plugin):\n${clean(text)}\n`);
  return EXIT.failed;
}

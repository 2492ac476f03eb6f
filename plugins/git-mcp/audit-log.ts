/**
 * The audit trail: one NDJSON line per `git_exec` call (time, command, verdict and rule, exit
 * code, duration), appended to `.qms/git-mcp.log` by default. The folder is created 0700 and
 * the file 0600; credentials inside URLs (`https://user:token@host`) are masked.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AuditStep {
  argv: string[];
  exitCode: number | null;
  durationMs: number;
  skipped?: boolean;
  timedOut?: boolean;
  truncated?: boolean;
}

export interface AuditEntry {
  time: string;
  command: string;
  verdict: 'allowed' | 'refused';
  rule?: string;
  reason?: string;
  /** Exit status of the chain (the last command run); null when refused or killed. */
  exitCode: number | null;
  durationMs: number;
  steps?: AuditStep[];
}

export const maskCredentials = (text: string): string => text.replace(/(\/\/)[^/@\s:]+(:[^/@\s]*)?@/g, '$1***@');

/** Appends entries in call order, one write at a time. */
export class AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private ready: Promise<unknown> | undefined;

  constructor(readonly file: string) {}

  append(entry: AuditEntry): Promise<void> {
    const line = `${maskCredentials(JSON.stringify(entry))}\n`;
    this.ready ??= mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const ready = this.ready;
    const written = this.tail.then(async () => {
      await ready;
      await appendFile(this.file, line, { mode: 0o600 });
    });
    // One failed write must not block the ones after it.
    this.tail = written.catch(() => undefined);
    return written;
  }
}

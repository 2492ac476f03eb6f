/**
 * The audit trail: one NDJSON line per `git_exec` call (time, command, verdict and rule, exit
 * code, duration), appended to `.qms/git-mcp.log` by default. The folder is created 0700 and
 * the file 0600; credentials inside URLs (`https://user:token@host`) are masked.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { qmsDir } from '../../tasks/state/qms-dir.js';

/** Where the git server audits when no `--audit-log` is given (read back by verify's identity check). */
export const defaultAuditLogFile = (projectRoot: string): string => join(qmsDir(projectRoot), 'git-mcp.log');

export interface AuditStep {
  argv: string[];
  exitCode: number | null;
  durationMs: number;
  skipped?: boolean;
  timedOut?: boolean;
  truncated?: boolean;
  /** The rule that stopped this step when it was judged by effect. */
  rule?: string;
}

export interface AuditEntry {
  time: string;
  command: string;
  /** The agent whose credential made the call. */
  agent?: string;
  verdict: 'allowed' | 'refused';
  /** `start`: written before anything runs (no record, no run); absent on the outcome line. */
  phase?: 'start';
  rule?: string;
  reason?: string;
  /** Exit status of the chain (the last command run); null when refused or killed. */
  exitCode: number | null;
  durationMs: number;
  steps?: AuditStep[];
}

export const maskCredentials = (text: string): string => text.replace(/(\/\/)[^/@\s:]+(:[^/@\s]*)?@/g, '$1***@');

/** Appends entries in call order, one write at a time; a failed write rejects (callers fail closed). */
export class AuditLog {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    /** Makes the log's folder (again, if it was removed); default a 0700 mkdir. */
    private readonly ensureFolder: () => Promise<unknown> = () => mkdir(dirname(file), { recursive: true, mode: 0o700 }),
  ) {}

  append(entry: AuditEntry): Promise<void> {
    const line = `${maskCredentials(JSON.stringify(entry))}\n`;
    const written = this.tail.then(async () => {
      // Every time: a folder removed while the server runs is made again, not written around.
      await this.ensureFolder();
      await appendFile(this.file, line, { mode: 0o600 });
    });
    // One failed write must not block the ones after it.
    this.tail = written.catch(() => undefined);
    return written;
  }
}

/**
 * Telling "our" server process from whatever now has its pid: the kernel's start time of the
 * process (/proc/<pid>/stat field 22, fixed at fork and unchanged by exec) plus a hash of its
 * command line. A pid whose fingerprint differs belongs to another program and is never signalled.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface ProcessIdentity {
  /** Clock ticks since boot when the process started. */
  startTime: string;
  /** sha256 of /proc/<pid>/cmdline, absent when recorded before the child had exec'd. */
  cmdlineHash?: string;
}

export interface ProcessInfo extends Required<ProcessIdentity> {
  pid: number;
  /** `R`, `S`, `Z` (zombie: exited, not yet reaped)… */
  state: string;
  command: string;
}

/** Reads /proc/<pid>; undefined when there is no such process. */
export async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const cmdline = await readFile(`/proc/${pid}/cmdline`);
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      state: fields[0] ?? '?',
      startTime: fields[19] ?? '',
      cmdlineHash: createHash('sha256').update(cmdline).digest('hex'),
      command: cmdline.toString('utf8').split('\0').filter(Boolean).join(' '),
    };
  } catch {
    return undefined;
  }
}

/** Running (not a zombie) and still the process described by `identity`. */
export async function isSameProcess(pid: number, identity: ProcessIdentity): Promise<'same' | 'gone' | 'other'> {
  const info = await readProcess(pid);
  if (!info || info.state === 'Z') return 'gone';
  if (info.startTime !== identity.startTime) return 'other';
  if (identity.cmdlineHash && info.cmdlineHash !== identity.cmdlineHash) return 'other';
  return 'same';
}

/**
 * Who listens on a TCP port: the kernel's socket tables (/proc/net/tcp{,6}) give the socket
 * inode, a scan of /proc/<pid>/fd finds the process holding it. Used to name the culprit when
 * a port is taken. Best effort: processes of other users are not visible without privileges.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { QmsError } from '../../tasks/errors.js';

export interface PortHolder {
  pid: number;
  /** The process's command line, space-joined (may be truncated for display by callers). */
  command: string;
}

const LISTEN = '0A';

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== LISTEN || cols[9] === undefined) continue;
      const hexPort = local.split(':')[1];
      if (hexPort && Number.parseInt(hexPort, 16) === port && cols[9] !== '0') inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The process listening on `port` (any address), or undefined when it cannot be known. */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] && inodes.has(m[1])) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        return { pid: Number(pid), command: cmdline.split('\0').filter(Boolean).join(' ') || '?' };
      }
    }
  }
  return undefined;
}

/** "pid 123 (node server.js)" or "another process" for messages. */
export function describeHolder(holder: PortHolder | undefined): string {
  if (!holder) return 'another process';
  const cmd = holder.command.length > 80 ? `${holder.command.slice(0, 77)}...` : holder.command;
  return `pid ${holder.pid} (${cmd})`;
}

/** The error for a taken port (supervisor and `qms serve` alike), naming the holder when known. */
export function portInUseError(port: number, holder: PortHolder | undefined, host?: string): QmsError {
  const other = 'give this MCP server another port (its `port` option in qms.config.ts, `--port` for `qms serve`)';
  return new QmsError(
    `port ${port}${host ? ` on ${host}` : ''} is already in use by ${describeHolder(holder)}`,
    holder ? `Stop that process (kill ${holder.pid}) if it is a leftover, or ${other}.` : `Stop whatever listens on it (\`ss -ltnp\` shows it), or ${other}.`,
  );
}

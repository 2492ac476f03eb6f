/**
 * Running a host command as root, for the set-up steps that need it (starting dockerd,
 * debootstrap): directly when we are root, through `sudo -n` when sudo needs no password,
 * otherwise not at all — qms never prompts for a password behind a progress display.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export type RootVia = 'root' | 'sudo';

/** How this process can run a command as root, or undefined when it can't without a password. */
export function rootVia(): RootVia | undefined {
  if (process.getuid?.() === 0) return 'root';
  const probe = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5_000 });
  return probe.status === 0 ? 'sudo' : undefined;
}

/** The argv that runs `command args…` as root the given way. */
export function asRoot(via: RootVia, command: string, args: readonly string[]): [string, string[]] {
  return via === 'root' ? [command, [...args]] : ['sudo', ['-n', command, ...args]];
}

/** Whether `command` is found on PATH (or the sbin folders, where dockerd and debootstrap live). */
export function findCommand(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = `${dir}/${command}`;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Host side of the mounts: the paths of one agent's folders, and creating the ones that must
 * exist before the container starts, owned by the agent's uid (the host user, or 1000 when
 * qms runs as root), so Docker never creates them as root.
 */
import { chown, lstat, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { IN_PROJECT } from './container-paths.js';

/** The agent's host folders and files under the project root (used by the session and verify plugins too). */
export interface AgentPaths {
  workspace: string;
  inbox: string;
  sessions: string;
  /** `.qms/container/<agent>`: generated overlays (0700; token files 0600). */
  overlayDir: string;
  /** The generated files in it, mounted as the access table says (see overlays.ts). */
  overlay: OverlayFiles;
  /** Host files the overlays shadow; mounted over only when they exist (see README). */
  hostMcpJson: string;
  hostSettingsLocal: string;
}

export interface OverlayFiles {
  mcpJson: string;
  settingsLocal: string;
  /** Mounted at /etc/qms. */
  etcDir: string;
  /** An empty 0000 file mounted read-only over every host secret file (`.env*`). */
  maskFile: string;
}

export function overlayFiles(overlayDir: string): OverlayFiles {
  return {
    mcpJson: join(overlayDir, 'mcp.json'),
    settingsLocal: join(overlayDir, 'settings.local.json'),
    etcDir: join(overlayDir, 'etc'),
    maskFile: join(overlayDir, 'masked-empty'),
  };
}

export function agentPaths(root: string, agent: string): AgentPaths {
  const overlayDir = join(root, IN_PROJECT.overlayDir(agent));
  return {
    workspace: join(root, IN_PROJECT.workspace(agent)),
    inbox: join(root, IN_PROJECT.inbox(agent)),
    sessions: join(root, IN_PROJECT.sessions),
    overlayDir,
    overlay: overlayFiles(overlayDir),
    hostMcpJson: join(root, IN_PROJECT.mcpJson),
    hostSettingsLocal: join(root, IN_PROJECT.settingsLocal),
  };
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * mkdir -p; when running as root, hand what was created to the agent, and the folder itself
 * if root owns it (the agent must be able to create files in it). Its content is not walked:
 * what qms puts there (session folders, checked-out documents) is created as the agent's.
 */
export async function ensureAgentDir(dir: string, user: { uid: number; gid: number }): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (!isRoot()) return;
  // Folders mkdir created between the first missing one and `dir`.
  if (created) {
    let p = dir;
    while (p.length >= created.length) {
      await chown(p, user.uid, user.gid);
      p = resolve(p, '..');
    }
  } else if ((await lstat(dir)).uid === 0) {
    await chown(dir, user.uid, user.gid);
  }
}

/** The SSH folder to mount, or undefined. A folder the user named that doesn't exist is an error. */
export async function resolveSshDir(option: string | false | undefined): Promise<string | undefined> {
  if (option === false) return undefined;
  const named = option !== undefined;
  const raw = option ?? '~/.ssh';
  const dir = raw.startsWith('~') ? join(homedir(), raw.slice(1)) : resolve(raw);
  const st = await stat(dir).catch(() => undefined);
  if (st?.isDirectory()) return dir;
  if (!named) return undefined;
  throw new QmsError(
    `container(): sshDir ${raw} (${dir}) ${st ? 'is not a folder' : 'does not exist'}.`,
    'Create it, point `sshDir` at your SSH folder, or set `sshDir: false` to mount none.',
  );
}

/**
 * The agent's role file to mount read-only over `CLAUDE.md`: for an agent other than `claude`
 * with a definition `.claude/agents/<agent>.md`, when the project has a `CLAUDE.md` to mount it
 * over (Docker cannot create a mount point inside the read-only project mount). `missing`
 * names the project file when only that is absent, so the caller can say so.
 */
export async function agentRoleFile(root: string, agent: string): Promise<{ file?: string; missing?: string }> {
  if (agent === 'claude') return {};
  const file = join(root, IN_PROJECT.agentDefinition(agent));
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return {};
  if (!(await exists(join(root, IN_PROJECT.claudeMd)))) return { missing: IN_PROJECT.claudeMd };
  return { file };
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The agent runs as its own uid, and bind mounts keep host permissions: if that uid cannot
 * enter the project root (a 0700 folder of root's, say), the container starts but every read
 * and write under /pipe-dream fails. Found before anything is created, with the chmod to fix it.
 */
export async function checkAgentCanEnter(root: string, user: { uid: number; gid: number }): Promise<void> {
  for (let dir = resolve(root); ; dir = resolve(dir, '..')) {
    const st = await stat(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new QmsError(
        `The agent's uid ${user.uid} cannot enter ${dir} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner ${st.uid}:${st.gid}), so the project would be unreadable inside the container.`,
        `Let it through: \`chmod o+x ${dir}\` (or run qms as the project's owner, whose uid the agent then gets).`,
      );
    }
    if (dir === resolve(dir, '..')) return;
  }
}

/**
 * The container access table, defined once: every path of the agent's container with its
 * access (read-only, read-write, or masked: present but unreadable), where a mounted one comes
 * from on the host, and how verification probes it from inside. The container's mounts
 * (spec.ts) and the verify plugin's filesystem and mount checks are both derived from it.
 *
 * Masked: `.qms/` (an empty read-only tmpfs nobody can list) and each host secret file
 * (`.env*`, an empty 0000 file bound read-only over it). Both mount points exist inside the
 * read-only project mount by construction (`.qms/` holds the overlays; the secret files were
 * found on disk), so Docker never has to create one there (DESIGN.md's pitfall).
 */
import type { MountSettings } from 'dockerode';
import { CONTAINER_ROOT, IN_CONTAINER, IN_PROJECT, inContainer } from './container-paths.js';
import { agentPaths } from './host-paths.js';
import { configVolumeName } from './names.js';

export type Access = 'read-only' | 'read-write' | 'masked';

/** How verification probes a path from inside the container. */
export type Probe = 'ro-dir' | 'ro-file' | 'rw-dir' | 'masked-dir' | 'masked-file';

export type MountSource = { type: 'bind'; source: string } | { type: 'volume'; source: string } | { type: 'tmpfs' };

export interface AccessRow {
  /** Container path, no trailing slash. */
  target: string;
  access: Access;
  /** What it is, in words (evidence titles, docs). */
  what: string;
  /** How it gets there; absent for a path inside another row's mount (or the image's own). */
  mount?: MountSource;
  /** Absent: not probed from inside (e.g. the auth volume, checked through `docker inspect`). */
  probe?: Probe;
}

export interface AccessInput {
  root: string;
  project: string;
  agent: string;
  /** Which host files the optional overlays shadow: mounted only over files that exist. */
  shadow: { mcpJson: boolean; settingsLocal: boolean };
  /** The host SSH folder, when one is mounted. */
  sshDir: string | undefined;
  /** Project-relative host secret files to mask (findSecretFiles). */
  secretFiles: readonly string[];
  /** The agent's definition on the host, mounted read-only over `CLAUDE.md` (agentRoleFile). */
  roleFile?: string | undefined;
  /** The roster's other agents: their workspaces are read-only here (probed, never mounted). */
  others?: readonly string[];
}

/**
 * Mode asked for the read-only tmpfs over `.qms/`. Docker gives a tmpfs the mode of the folder
 * it covers when that exists (it always does here), so what the agent meets is `.qms/`'s own
 * 0700 (ensureQmsDir keeps it so), owned by root: empty, and not even listable.
 */
export const MASKED_DIR_MODE = 0o111;

export function accessTable(input: AccessInput): AccessRow[] {
  const { agent } = input;
  const p = agentPaths(input.root, agent);
  const bind = (source: string): MountSource => ({ type: 'bind', source });
  const rows: AccessRow[] = [
    { target: CONTAINER_ROOT, access: 'read-only', what: 'the project root', mount: bind(input.root), probe: 'ro-dir' },
    { target: inContainer(IN_PROJECT.qmsDocs), access: 'read-only', what: 'the controlled QMS documents', probe: 'ro-dir' },
    { target: inContainer(IN_PROJECT.git), access: 'read-only', what: 'the git repository', probe: 'ro-dir' },
    { target: inContainer(IN_PROJECT.inbox(agent)), access: 'read-only', what: `${agent}'s inbox`, probe: 'ro-dir' },
    { target: inContainer(IN_PROJECT.workspace(agent)), access: 'read-write', what: `${agent}'s workspace`, mount: bind(p.workspace), probe: 'rw-dir' },
    ...(input.others ?? [])
      .filter((other) => other !== agent)
      .map((other): AccessRow => ({ target: inContainer(IN_PROJECT.workspace(other)), access: 'read-only', what: `${other}'s workspace (another agent's)`, probe: 'ro-dir' })),
    ...(input.roleFile
      ? [{ target: inContainer(IN_PROJECT.claudeMd), access: 'read-only' as const, what: `${agent}'s role (${IN_PROJECT.agentDefinition(agent)})`, mount: bind(input.roleFile), probe: 'ro-file' as const }]
      : []),
    { target: inContainer(IN_PROJECT.sessions), access: 'read-write', what: 'the sessions folder', mount: bind(p.sessions), probe: 'rw-dir' },
    {
      target: inContainer(IN_PROJECT.mcpJson),
      access: 'read-only',
      what: 'the container-side MCP config',
      ...(input.shadow.mcpJson ? { mount: bind(p.overlay.mcpJson) } : {}),
      probe: 'ro-file',
    },
    {
      target: inContainer(IN_PROJECT.settingsLocal),
      access: 'read-only',
      what: 'the container-side Claude settings',
      ...(input.shadow.settingsLocal ? { mount: bind(p.overlay.settingsLocal) } : {}),
      probe: 'ro-file',
    },
    { target: IN_CONTAINER.etc, access: 'read-only', what: "qms's generated files for the entrypoint", mount: bind(p.overlay.etcDir), probe: 'ro-dir' },
    { target: IN_CONTAINER.claudeConfig, access: 'read-write', what: "Claude Code's login and user config", mount: { type: 'volume', source: configVolumeName(input.project, agent) } },
    ...(input.sshDir ? [{ target: IN_CONTAINER.ssh, access: 'read-only' as const, what: 'the SSH keys', mount: bind(input.sshDir), probe: 'ro-dir' as const }] : []),
    { target: IN_CONTAINER.projects, access: 'read-write', what: '/projects', probe: 'rw-dir' },
    { target: inContainer(IN_PROJECT.qmsDir), access: 'masked', what: "qms's own files (state, MCP tokens, logs)", mount: { type: 'tmpfs' }, probe: 'masked-dir' },
    ...input.secretFiles.map((rel): AccessRow => ({ target: inContainer(rel), access: 'masked', what: `the host secret file ${rel}`, mount: bind(p.overlay.maskFile), probe: 'masked-file' })),
  ];
  return rows;
}

/** The rows that are mounts, as dockerode mount settings (in table order: parents before children). */
export function mountsOf(rows: readonly AccessRow[]): MountSettings[] {
  const mounts: MountSettings[] = [];
  for (const row of rows) {
    const m = row.mount;
    if (!m) continue;
    const ReadOnly = row.access !== 'read-write';
    // Docker wants no source for a tmpfs; the type requires the field.
    if (m.type === 'tmpfs') mounts.push({ Type: 'tmpfs', Source: '', Target: row.target, ReadOnly, TmpfsOptions: { Mode: MASKED_DIR_MODE, SizeBytes: 4096 } });
    else mounts.push({ Type: m.type, Source: m.source, Target: row.target, ReadOnly });
  }
  return mounts;
}

/** Mount targets and whether each must be writable (anything else mounted must be read-only). */
export function expectedMounts(rows: readonly AccessRow[]): Map<string, boolean> {
  return new Map(rows.filter((r) => r.mount).map((r) => [r.target, r.access === 'read-write']));
}

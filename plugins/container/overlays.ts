/**
 * The generated, read-only files the container gets (under `.qms/container/<agent>/`; where
 * each is mounted is the access table's business):
 *   mcp.json             → /pipe-dream/.mcp.json   (HTTP URLs + the headersHelper; no token)
 *   settings.local.json  → /pipe-dream/.claude/settings.local.json (approves those servers)
 *   etc/mcp-servers.tsv  → /etc/qms/mcp-servers.tsv (name, URL and `Bearer <token>` per server:
 *                          the entrypoint registers them at user scope, and `qms-mcp-headers`
 *                          hands Claude Code the header from it)
 *   etc/gh-token         → /etc/qms/gh-token (only when GH_TOKEN is set)
 *   etc/claude-credentials.json → /etc/qms/claude-credentials.json (the host's Claude login, when
 *                          there is one: the entrypoint seeds the auth volume with it once)
 *   masked-empty         → over every host `.env*` file (empty, mode 0000)
 * Tokens travel only in the 0600 files under etc/, owned by the agent's uid: never in env,
 * labels, `docker inspect` or any process's arguments (Claude Code runs the headersHelper, which
 * reads the file). The same server names and URLs at user scope and in `.mcp.json` keep
 * `claude mcp list` at `✔ Connected` rather than `Pending approval`.
 */
import { createHash } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { HEADERS_HELPER_COMMAND } from './container-paths.js';
import { overlayFiles } from './host-paths.js';

export interface Overlays {
  mcpJson: string;
  settingsLocal: string;
  etcDir: string;
  /** sha256 over every generated file's content: a changed URL or token changes it. */
  hash: string;
}

export function mcpJsonContent(endpoints: readonly McpEndpoint[]): string {
  const mcpServers: Record<string, unknown> = {};
  for (const ep of endpoints) {
    mcpServers[ep.name] = { type: 'http', url: ep.containerUrl, headersHelper: HEADERS_HELPER_COMMAND };
  }
  return `${JSON.stringify({ mcpServers }, null, 2)}\n`;
}

export function settingsLocalContent(endpoints: readonly McpEndpoint[]): string {
  const settings = { enableAllProjectMcpServers: true, enabledMcpjsonServers: endpoints.map((e) => e.name) };
  return `${JSON.stringify(settings, null, 2)}\n`;
}

export function serversTsvContent(endpoints: readonly McpEndpoint[]): string {
  return endpoints.map((ep) => `${ep.name}\t${ep.containerUrl}\tBearer ${ep.token}\n`).join('');
}

/** Write only when the content changed (a running container keeps the file's inode). */
async function put(file: string, content: string, mode: number, owner: { uid: number; gid: number } | undefined): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== content) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, content, { mode });
    await chmod(tmp, mode);
    if (owner) await chown(tmp, owner.uid, owner.gid);
    await rename(tmp, file);
  } else if (owner) {
    await chown(file, owner.uid, owner.gid);
  }
}

export async function writeOverlays(
  overlayDir: string,
  endpoints: readonly McpEndpoint[],
  ghToken: string | undefined,
  user: { uid: number; gid: number },
  claudeCredentials?: string,
): Promise<Overlays> {
  // Root writes for the agent's uid; any other user *is* the agent's uid.
  const owner = process.getuid?.() === 0 ? user : undefined;
  const { etcDir, ...out } = overlayFiles(overlayDir);
  await mkdir(overlayDir, { recursive: true, mode: 0o700 });
  await chmod(overlayDir, 0o700);
  await mkdir(etcDir, { recursive: true, mode: 0o700 });
  await chmod(etcDir, 0o700);
  if (owner) await chown(etcDir, owner.uid, owner.gid);

  const files: Array<[string, string, number]> = [
    [out.mcpJson, mcpJsonContent(endpoints), 0o644],
    [out.settingsLocal, settingsLocalContent(endpoints), 0o644],
    [`${etcDir}/mcp-servers.tsv`, serversTsvContent(endpoints), 0o600],
  ];
  if (ghToken) files.push([`${etcDir}/gh-token`, `${ghToken}\n`, 0o600]);
  // Not part of the hash: Claude refreshes its login often, which must not recreate the container.
  const credentials = `${etcDir}/claude-credentials.json`;
  // Every file is a path of its own: all written (or removed) at once.
  await Promise.all([
    ...files.map(([file, content, mode]) => put(file, content, mode, owner)),
    ghToken ? undefined : rm(`${etcDir}/gh-token`, { force: true }),
    claudeCredentials ? put(credentials, claudeCredentials, 0o600, owner) : rm(credentials, { force: true }),
    writeMaskFile(out.maskFile),
  ]);
  const hash = createHash('sha256');
  for (const [file, content] of files) hash.update(file).update('\0').update(content).update('\0');
  return { mcpJson: out.mcpJson, settingsLocal: out.settingsLocal, etcDir, hash: hash.digest('hex') };
}

/**
 * The empty file mounted over each secret: mode 0000, so even an agent whose uid owns it can't
 * read it (nor chmod it: the mount is read-only). Replaced, never written into, if it is not
 * exactly that (a non-root owner can't open a 0000 file).
 */
export async function writeMaskFile(file: string): Promise<void> {
  const st = await lstat(file).catch(() => undefined);
  if (st?.isFile() && st.size === 0 && (st.mode & 0o777) === 0) return;
  const tmp = `${file}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  await writeFile(tmp, '', { mode: 0 });
  await chmod(tmp, 0);
  await rename(tmp, file);
}

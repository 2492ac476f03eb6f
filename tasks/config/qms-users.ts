/**
 * Who may be in a config's `agents` roster, defined once: a QMS user, i.e. one of qms-cli's
 * built-in users (`claude`, `lead`) or a name with an agent definition file
 * `.claude/agents/<name>.md` in the project (the convention upstream teams use; see
 * ../shared/QMS-CLI.md). The container plugin mounts that same file as the agent's role.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Users qms-cli knows without an agent definition. */
export const BUILTIN_USERS: readonly string[] = ['claude', 'lead'];

/** The roster when a config names none. */
export const DEFAULT_AGENTS: readonly string[] = ['claude'];

/** What an agent name looks like (it names containers, token files and `.claude/users/<name>/`). */
export const AGENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Project-relative folder of the agent definitions. */
export const AGENT_DEFINITIONS_DIR = '.claude/agents';

/** Project-relative path of `agent`'s definition file. */
export const agentDefinition = (agent: string): string => `${AGENT_DEFINITIONS_DIR}/${agent}.md`;

/** Every QMS user of the project at `root`: the built-in ones, then those with a definition file (sorted). */
export function knownUsers(root: string): string[] {
  let defined: string[] = [];
  try {
    defined = readdirSync(join(root, AGENT_DEFINITIONS_DIR), { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.md'))
      .map((e) => e.name.slice(0, -3))
      .filter((n) => AGENT_NAME.test(n) && !BUILTIN_USERS.includes(n))
      .sort();
  } catch {
    // No .claude/agents folder: only the built-in users.
  }
  return [...BUILTIN_USERS, ...defined];
}

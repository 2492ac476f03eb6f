/** Name of the named volume that keeps Claude Code's login (`/claude-config`) for one agent of one project. */
export function claudeConfigVolume(project: string, agent: string): string {
  return `qms-${project}-${agent}-claude-config`;
}

/**
 * The agents a container command or task acts for, checked against the config's roster
 * (`ctx.config.agents`): an agent outside it is a clear error listing the roster.
 */
import { ConfigError } from '../../tasks/errors.js';
import type { PluginContext } from '../../tasks/types.js';

/** `agent` if it is in the roster (default: the roster's first, the initiator). */
export function rosterAgent(ctx: PluginContext, agent: string | undefined): string {
  const roster = ctx.config.agents;
  const name = agent ?? roster[0] ?? 'claude';
  if (!roster.includes(name)) {
    throw new ConfigError(
      `${name} is not an agent of this project (agents: ${roster.join(', ')})`,
      `Use one of ${roster.join(', ')}, or add ${name} to \`agents\` in ${ctx.config.file}.`,
      ctx.config.file,
      'agents',
    );
  }
  return name;
}

/**
 * A run flag the CLI sets for plugins: `true` when the user named agents (`qms down qa`), so a
 * task can tell "these agents" from "everything" (`qms down` also removes what belongs to
 * agents no longer in the roster). `ctx.options.agents` holds the agents either way.
 */
export const AGENTS_NAMED = 'agentsNamed';

/**
 * What a policy refusal looks like: the rule that refused (a stable id the policy can switch
 * off), why, and what to do instead. The text is what the agent reads, so it must say enough
 * to change course without trying spelling variants.
 */

export type RuleId =
  | 'syntax'
  | 'subcommand-allowlist'
  | 'global-option'
  | 'runs-program'
  | 'writes-file'
  | 'reads-file'
  | 'transport'
  | 'push-force'
  | 'push-delete'
  | 'push-mirror'
  | 'push-prune'
  | 'fetch-force'
  | 'reset-hard'
  | 'clean-force'
  | 'checkout-discard'
  | 'restore-tree'
  | 'stash-drop'
  | 'branch-force'
  | 'tag-overwrite'
  | 'reflog-expire'
  | 'rm-force'
  | 'subcommand-form'
  | 'protected-path'
  | 'outside-project'
  // the agent preset's allowlist of forms
  | 'option-allowlist'
  | 'creates-ref'
  | 'push-scope'
  | 'fetch-refspec'
  | 'pull-ff-only'
  // judged by effect, in every preset
  | 'secret-path'
  | 'reads-untracked'
  | 'stash-untracked'
  | 'submodule-diff'
  | 'nested-repository'
  | 'special-file'
  | 'writable-paths'
  | 'audit-unavailable'
  | 'busy';

/** Rules that guard the host itself: no policy may switch them off. */
export const ALWAYS_ON: readonly RuleId[] = ['syntax', 'secret-path', 'reads-untracked', 'stash-untracked', 'nested-repository', 'special-file', 'audit-unavailable', 'busy'];

export interface Refusal {
  rule: RuleId;
  reason: string;
  hint?: string;
}

export const refuse = (rule: RuleId, reason: string, hint?: string): Refusal => (hint === undefined ? { rule, reason } : { rule, reason, hint });

export function formatRefusal(command: string, r: Refusal): string {
  return `refused by rule "${r.rule}": ${r.reason}${r.hint ? `\nhint: ${r.hint}` : ''}\ncommand: ${command}\nNothing was run.`;
}

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
  | 'outside-project';

export interface Refusal {
  rule: RuleId;
  reason: string;
  hint?: string;
}

export const refuse = (rule: RuleId, reason: string, hint?: string): Refusal => (hint === undefined ? { rule, reason } : { rule, reason, hint });

export function formatRefusal(command: string, r: Refusal): string {
  return `refused by rule "${r.rule}": ${r.reason}${r.hint ? `\nhint: ${r.hint}` : ''}\ncommand: ${command}\nNothing was run.`;
}

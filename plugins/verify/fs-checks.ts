/**
 * Checks (2) read-only paths, (3) writable paths, masked paths (`.qms/`, each `.env*`: nothing
 * readable) and (5) `git clone` into /projects — the container access table's probes — in ONE
 * small sh script that prints one machine-readable record per check (see PRELUDE). Every probe
 * cleans up after itself, a write that unexpectedly succeeds is undone at once, and a read
 * reports only byte counts.
 */
import type { AccessRow, Probe } from '../container/access-table.js';
import { CONTAINER_ROOT, IN_CONTAINER } from '../container/container-paths.js';
import type { CheckGroup } from './report.js';
import { shq } from './shell-quote.js';

export type FsProbe = Probe | 'git-clone';

export interface FsCheck {
  id: string;
  group: CheckGroup;
  title: string;
  probe: FsProbe;
  path: string;
  /** masked-dir: the files (relative to `path`) it tries to read. */
  files?: readonly string[];
}

export interface FsOutcome {
  result: 'pass' | 'fail' | 'skip';
  actual: string;
}

const GROUP: Record<Probe, CheckGroup> = { 'ro-dir': 'read-only', 'ro-file': 'read-only', 'rw-dir': 'read-write', 'masked-dir': 'secrets', 'masked-file': 'secrets' };
const PREFIX: Record<Probe, string> = { 'ro-dir': 'ro', 'ro-file': 'ro', 'rw-dir': 'rw', 'masked-dir': 'masked', 'masked-file': 'masked' };
const isDir = (probe: Probe): boolean => probe.endsWith('-dir');

/**
 * The access table's probes, plus the git clone. `maskedDirFiles`: what the masked-dir probe
 * tries to read (the host's files under `.qms/` and a canary), relative to that folder.
 */
export function fsChecks(rows: readonly AccessRow[], maskedDirFiles: readonly string[] = []): FsCheck[] {
  const checks: FsCheck[] = [];
  for (const row of rows) {
    const probe = row.probe;
    if (!probe) continue;
    const title = row.access === 'masked' ? `${row.what} is not readable` : `${row.what} is ${row.access === 'read-write' ? 'writable' : 'read-only'}`;
    const check: FsCheck = { id: `${PREFIX[probe]}:${row.target}${isDir(probe) ? '/' : ''}`, group: GROUP[probe], title, probe, path: row.target };
    if (probe === 'masked-dir') check.files = maskedDirFiles;
    checks.push(check);
  }
  checks.push({ id: `git-clone:${IN_CONTAINER.projects}`, group: 'git-clone', title: 'git clone of a local repository into /projects works', probe: 'git-clone', path: IN_CONTAINER.projects });
  return checks;
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
    case 'masked-dir':
      return `list ${p} (the shell's globs, dot files too); read each of ${check.files?.length ?? 0} files the host has there (state, tokens, a canary written for this run), counting the bytes of any readable`;
    case 'masked-file':
      return `cat ${p} > /dev/null, then count the bytes readable`;
    case 'git-clone':
      return `git clone --quiet --shared --no-checkout ${CONTAINER_ROOT} /projects/.qms-verify-clone-${nonce} (a scratch repository in /projects when the project is not a git repository; --shared reads the project's objects in place, so the probe costs the same for any size of project); git cat-file --batch-check of HEAD and HEAD^{tree}; rm -rf`;
  }
}

export function expectedOf(check: FsCheck): string {
  switch (check.probe) {
    case 'ro-dir':
    case 'ro-file':
      return 'the write is refused (read-only file system or permission denied); skipped when the path does not exist';
    case 'rw-dir':
      return 'the file is created, reads back the same and is removed';
    case 'masked-dir':
      return 'the listing is refused or empty and not one byte of any file is readable';
    case 'masked-file':
      return 'the read is refused (or finds nothing): the host file is masked';
    case 'git-clone':
      return 'the clone succeeds, has the project HEAD commit and reads its tree';
  }
}

/**
 * One record per check, `R<TAB>id<TAB>result<TAB>actual` ended by a NUL byte (no shell string
 * holds one, so any message fits): the probes start as few processes as they can, since a
 * process start is what a probe costs in a busy container; messages are tidied on the host.
 */
const PRELUDE = String.raw`
out() { printf 'R\t%s\t%s\t%s\0' "$1" "$2" "$3"; }
ro_dir() {
  [ -d "$2" ] || { out "$1" skip "$2 does not exist in the container"; return; }
  f="$2/.qms-verify-$N"
  if err=$( (: > "$f") 2>&1 ); then rm -f "$f"; out "$1" fail "write succeeded: created $f (removed again)";
  else out "$1" pass "write refused: $err"; fi
}
ro_file() {
  [ -e "$2" ] || { out "$1" skip "$2 does not exist in the container"; return; }
  if err=$( (: >> "$2") 2>&1 ); then out "$1" fail "write access granted: $2 could be opened for writing";
  else out "$1" pass "write refused: $err"; fi
}
rw_dir() {
  f="$2/.qms-verify-$N"; got=""
  if ! err=$( (printf 'qms verify %s\n' "$N" > "$f") 2>&1 ); then out "$1" fail "write refused: $err"; return; fi
  IFS= read -r got < "$f"; rm -f "$f" 2>/dev/null
  if [ -e "$f" ]; then out "$1" fail "created $f but could not remove it";
  elif [ "$got" = "qms verify $N" ]; then out "$1" pass "created, read back and removed $f";
  else out "$1" fail "created $f but read back: $got"; fi
}
masked_dir() {
  id=$1; d=$2; shift 2; leaked=""; files=$#
  # Counted by the shell's own globs (no process): a pattern that matched nothing stays itself.
  n=0
  for p in '*' '.[!.]*' '..?*'; do
    for x in "$d"/$p; do
      if [ "$x" != "$d/$p" ] || [ -e "$x" ] || [ -L "$x" ]; then n=$((n+1)); fi
    done
  done
  [ "$n" -gt 0 ] && leaked="; listed $n entries"
  # Opened for reading (the redirection) and not empty: by its size, or by what the shell's own
  # read got (a size of 0 can hide content); only then one count per file to name it. read alone
  # would miss a file of NUL bytes (sh drops them).
  for f in "$@"; do
    x=""
    if { [ -s "$d/$f" ] || IFS= read -r x || [ -n "$x" ]; } 2>/dev/null < "$d/$f"; then
      leaked="$leaked; read $(($(cat -- "$d/$f" 2>/dev/null | wc -c))) bytes of $f"
    fi
  done
  if [ -n "$leaked" ]; then out "$id" fail "readable: ${"$"}{leaked#; }";
  else out "$id" pass "listing refused or empty; none of the $files files readable"; fi
}
masked_file() {
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then out "$1" pass "not present in the container"; return; fi
  if err=$( (cat "$2" > /dev/null) 2>&1 ); then
    n=$(($(cat "$2" 2>/dev/null | wc -c)))
    if [ "$n" -gt 0 ]; then out "$1" fail "readable: $n bytes"; else out "$1" pass "empty: nothing readable"; fi
  else out "$1" pass "read refused: $err"; fi
}
git_clone() {
  command -v git >/dev/null 2>&1 || { out "$1" fail "git is not installed in the image"; return; }
  dest=/projects/.qms-verify-clone-$N; src=$CR; note=""
  if [ ! -e "$CR/.git" ]; then
    src=/projects/.qms-verify-src-$N; note=" (scratch repository: the project is not a git repository)"
    git init -q "$src" && git -C "$src" -c user.name=qms-verify -c user.email=qms-verify@localhost commit -q --allow-empty -m 'qms verify' || { out "$1" fail "could not create a scratch repository in /projects"; rm -rf "$src"; return; }
  fi
  objs=""
  # One git for both: HEAD and its tree, each read from the clone's object store.
  if err=$(git clone --quiet --shared --no-checkout "$src" "$dest" 2>&1) && objs=$(printf 'HEAD\nHEAD^{tree}\n' | git -C "$dest" cat-file --batch-check 2>&1); then
    case $objs in
      *" commit "*" tree "*) out "$1" pass "cloned $src, HEAD ${"$"}{objs%% *}, its tree readable$note" ;;
      *) out "$1" fail "HEAD or its tree not readable in the clone: $objs" ;;
    esac
  else
    out "$1" fail "$err $objs"
  fi
  rm -rf "$dest"; [ "$src" = "$CR" ] || rm -rf "$src"
}
while read -r k a b rest; do case $k in Uid:) u=$a ;; Gid:) g=$a ;; esac; done < /proc/self/status
printf 'U\t%s\0' "$u:$g"
`;

/** The whole script; `nonce` keeps concurrent verifications apart. */
export function fsScript(checks: readonly FsCheck[], nonce: string): string {
  const calls = checks.map((c) => {
    const fn = { 'ro-dir': 'ro_dir', 'ro-file': 'ro_file', 'rw-dir': 'rw_dir', 'masked-dir': 'masked_dir', 'masked-file': 'masked_file', 'git-clone': 'git_clone' }[c.probe];
    const files = (c.files ?? []).map(shq).join(' ');
    return `${fn} ${shq(c.id)} ${shq(c.path.replace(/\/$/, '') || '/')}${files ? ` ${files}` : ''}`;
  });
  return `N=${shq(nonce)}; CR=${shq(CONTAINER_ROOT)}\n${PRELUDE}\n${calls.join('\n')}\n`;
}

/** A shell's message without its `sh: 1: ` prefixes, at most four lines. */
const tidy = (text: string): string =>
  text
    .replace(/(^|\s)[^\s:]*sh: \d+: /gm, '$1')
    .split('\n')
    .slice(0, 4)
    .join('\n')
    .trim();

/** Results by check id, and the uid:gid the script ran as. */
export function parseFsOutput(stdout: string): { results: Map<string, FsOutcome>; user: string | undefined } {
  const results = new Map<string, FsOutcome>();
  let user: string | undefined;
  for (const rec of stdout.split('\0')) {
    const cols = rec.replace(/^\n+/, '').split('\t');
    if (cols[0] === 'U') user = cols[1];
    if (cols[0] !== 'R' || cols.length < 4) continue;
    const result = cols[2];
    if (result !== 'pass' && result !== 'fail' && result !== 'skip') continue;
    results.set(cols[1] ?? '', { result, actual: tidy(cols.slice(3).join('\t')) });
  }
  return { results, user };
}

/**
 * Pathspecs and the protected paths. Git reads a pathspec with "magic" (`:(top)`, `:/`,
 * `:(icase)`, `:(glob)`, `:!` …), globs (`*`, `?`, `[`, and `\` escapes even inside quotes),
 * `./`, `../` and trailing slashes; every one of those spellings of `flow-state` must be caught.
 * Paths are normalised relative to the project root and compared case-insensitively (a
 * case-insensitive filesystem, or `:(icase)`, would match `FLOW-STATE` too). Symlinks are
 * resolved for paths that exist.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { posix, relative, resolve, isAbsolute } from 'node:path';

export interface Pathspec {
  raw: string;
  /** The pattern with magic removed. */
  pattern: string;
  exclude: boolean;
  literal: boolean;
  /** Magic git supports but we do not accept (e.g. `attr:`), or a malformed magic prefix. */
  unsupportedMagic?: string;
}

const GLOB_CHARS = /[*?[\\]/;

export function parsePathspec(raw: string): Pathspec {
  const spec: Pathspec = { raw, pattern: raw, exclude: false, literal: false };
  if (!raw.startsWith(':')) return spec;
  if (raw.startsWith(':(')) {
    const close = raw.indexOf(')');
    if (close < 0) return { ...spec, unsupportedMagic: raw };
    for (const word of raw.slice(2, close).split(',').map((w) => w.trim().toLowerCase())) {
      if (word === 'top' || word === 'icase' || word === 'glob' || word === '') continue;
      else if (word === 'literal') spec.literal = true;
      else if (word === 'exclude') spec.exclude = true;
      else return { ...spec, unsupportedMagic: word };
    }
    spec.pattern = raw.slice(close + 1);
    return spec;
  }
  // Short form: ':' then any of '/', '!', '^', optionally closed by another ':'.
  let i = 1;
  while (i < raw.length && '/!^'.includes(raw[i] as string)) {
    if (raw[i] !== '/') spec.exclude = true;
    i++;
  }
  if (raw[i] === ':') i++;
  spec.pattern = raw.slice(i);
  return spec;
}

export type PathVerdict =
  | { kind: 'ok' }
  | { kind: 'outside'; path: string }
  /** Names the protected path or something inside it. */
  | { kind: 'names'; protectedPath: string }
  /** A glob that may match the protected path or files in it. */
  | { kind: 'may-match'; protectedPath: string }
  /** The root or a folder above the protected path: a write there reaches it too. */
  | { kind: 'covers'; protectedPath: string };

/** Project-relative, normalised, lower-case form of a path, or null when it leaves the project. */
export function normalisePath(root: string, path: string, keepCase = false): string | null {
  let rel: string;
  if (isAbsolute(path)) {
    rel = relative(root, path).split('\\').join('/');
    if (rel.startsWith('..') || isAbsolute(rel)) return null;
  } else rel = path;
  const n = posix.normalize(rel === '' ? '.' : rel);
  if (n === '..' || n.startsWith('../')) return null;
  // Only a lone "." is the root: ".env" and ".claude" keep their dot.
  const trimmed = n.replace(/\/+$/, '');
  const cleaned = trimmed === '.' ? '' : trimmed;
  return keepCase ? cleaned : cleaned.toLowerCase();
}

function relation(p: string, prot: string): 'names' | 'covers' | null {
  if (p === prot || p.startsWith(`${prot}/`)) return 'names';
  if (p === '' || prot.startsWith(`${p}/`)) return 'covers';
  return null;
}

/**
 * Where a path really is once symlinks are followed, relative to the project root: the longest
 * existing part is resolved and the rest appended (`link/new-file` through `link -> flow-state`).
 */
function realRelative(root: string, rel: string): string | null {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return null;
  }
  // One lstat per part up to the first that does not exist, then a single realpath: linear in
  // the path's depth (a realpath per prefix made a deep path freeze the server).
  const parts = rel.split('/');
  let n = 0;
  while (n < parts.length) {
    try {
      lstatSync(resolve(root, ...parts.slice(0, n + 1)));
    } catch {
      break;
    }
    n++;
  }
  if (n === 0) return null;
  let real: string;
  try {
    real = realpathSync(resolve(root, ...parts.slice(0, n)));
  } catch {
    return null;
  }
  const r = posix.join(relative(realRoot, real).split('\\').join('/'), ...parts.slice(n));
  return r === '..' || r.startsWith('../') || isAbsolute(r) ? '..' : posix.normalize(r).replace(/^\.$/, '').toLowerCase();
}

/** Judges one pathspec (magic already parsed) against the protected paths. */
export function judgePathspec(root: string, spec: Pathspec, protectedPaths: readonly string[]): PathVerdict {
  const prots = protectedPaths.map((p) => p.toLowerCase());
  const globAt = spec.literal ? -1 : spec.pattern.search(GLOB_CHARS);
  if (globAt >= 0) {
    // A glob's matches all start with its literal prefix; `*` also matches `/`, so a prefix
    // that is a prefix of a protected path (or empty) may reach it.
    const lit = spec.pattern.slice(0, globAt);
    const dir = lit.includes('/') ? lit.slice(0, lit.lastIndexOf('/') + 1) : '';
    const base = lit.slice(dir.length).toLowerCase();
    const nd = dir === '' ? '' : normalisePath(root, dir);
    if (nd === null) return { kind: 'outside', path: spec.pattern };
    const prefix = nd === '' ? base : `${nd}/${base}`;
    for (const prot of prots) {
      if (prot.startsWith(prefix) || prefix.startsWith(`${prot}/`) || prefix === prot) return { kind: 'may-match', protectedPath: prot };
    }
    return { kind: 'ok' };
  }
  const n = normalisePath(root, spec.pattern);
  if (n === null) return { kind: 'outside', path: spec.pattern };
  const real = n === '' ? '' : realRelative(root, normalisePath(root, spec.pattern, true) ?? n);
  if (real === '..') return { kind: 'outside', path: spec.pattern };
  let covers: string | undefined;
  for (const candidate of real === null || real === n ? [n] : [n, real]) {
    for (const prot of prots) {
      const rel = relation(candidate, prot);
      if (rel === 'names') return { kind: 'names', protectedPath: prot };
      if (rel === 'covers') covers ??= prot;
    }
  }
  return covers !== undefined ? { kind: 'covers', protectedPath: covers } : { kind: 'ok' };
}

/** Does an exclusion pathspec (`:!x`) keep the protected path out? */
export function excludes(root: string, spec: Pathspec, prot: string): boolean {
  if (!spec.exclude || (!spec.literal && GLOB_CHARS.test(spec.pattern))) return false;
  const n = normalisePath(root, spec.pattern);
  if (n === null) return false;
  const p = prot.toLowerCase();
  return n === '' || n === p || p.startsWith(`${n}/`);
}

/**
 * Every way an argument that is not a plain path may still name a protected path: `rev:path`,
 * refspecs `src:dst`, ranges `a..b`, `--opt=value`, `refs/heads/x`, `x~1`, `x@{1}`, `^x`, `+x`.
 */
export function nameCandidates(arg: string): string[] {
  const out = new Set<string>();
  for (const piece of arg.split(/:|=|\.\.\.?/)) {
    let p = piece.replace(/^[+^/]+/, '').replace(/@\{.*$/, '').replace(/[~^].*$/, '');
    p = p.replace(/^refs\/(heads|tags)\//i, '').replace(/^refs\/remotes\/[^/]+\//i, '');
    if (p !== '') out.add(p);
  }
  return [...out];
}

/** Names a protected path, in any of the spellings `nameCandidates` unpacks? */
export function namesProtected(root: string, arg: string, protectedPaths: readonly string[]): string | undefined {
  for (const c of nameCandidates(arg)) {
    const v = judgePathspec(root, parsePathspec(c), protectedPaths);
    if (v.kind === 'names' || v.kind === 'may-match') return v.protectedPath;
  }
  return undefined;
}

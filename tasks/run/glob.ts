/**
 * The globs of a task's `sources`/`outputs`, relative to the project root: `*`, `?`, `**`,
 * `{a,b}`, `[abc]`, and `!pattern` to leave files out; a plain path names a file or every
 * file under a folder. Folders are listed once per run (a `FileIndex`), so a thousand tasks
 * with sources do not walk the tree a thousand times. `.git`, `node_modules` and `.qms` are
 * only searched when a pattern starts inside them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';

const SKIPPED = new Set(['.git', 'node_modules', '.qms']);
const GLOB_CHARS = /[*?{[]/;

export const isGlob = (pattern: string): boolean => GLOB_CHARS.test(pattern);

/** Normalise to a posix path relative to the root (`./a//b/` → `a/b`). */
export function normalizePattern(pattern: string): string {
  const p = posix.normalize(pattern.replace(/\\/g, '/')).replace(/^\.\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        const atStart = i === 0 || glob[i - 1] === '/';
        if (atStart && slashAfter) {
          re += '(?:.*/)?';
          i += 2;
        } else if (atStart && i + 2 === glob.length) {
          re += '.*';
          i += 1;
        } else {
          re += '[^/]*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, end).split(',').map((alt) => globToRegExp(alt).source.slice(1, -1)).join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The folder part of a pattern before its first glob character (`src/lib/**` → `src/lib`). */
export function staticBase(pattern: string): string {
  const parts = pattern.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (isGlob(p)) break;
    out.push(p);
  }
  // A pattern without glob characters is itself a file or folder; its base is its parent.
  if (out.length === parts.length) out.pop();
  return out.join('/');
}

/** Files under folders of the root, listed once and kept for the run. */
export class FileIndex {
  private readonly listed = new Map<string, Promise<string[]>>();

  constructor(readonly root: string) {}

  /** Every file under `base` (relative, posix), recursively; symlinks to files count as files. */
  files(base: string): Promise<string[]> {
    let p = this.listed.get(base);
    if (!p) {
      p = this.walk(base, base.split('/').some((s) => SKIPPED.has(s)));
      this.listed.set(base, p);
    }
    return p;
  }

  private async walk(dir: string, insideSkipped: boolean): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(join(this.root, dir), { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    const subdirs: string[] = [];
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (insideSkipped || !SKIPPED.has(e.name)) subdirs.push(rel);
      } else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
    }
    for (const sub of await Promise.all(subdirs.map((d) => this.walk(d, insideSkipped)))) out.push(...sub);
    return out;
  }

  /** The files the patterns name, sorted; `!pattern` removes matches of earlier patterns. */
  async match(patterns: readonly string[]): Promise<string[]> {
    const chosen = new Set<string>();
    for (const raw of patterns) {
      const negate = raw.startsWith('!');
      const pattern = normalizePattern(negate ? raw.slice(1) : raw);
      // A plain path is looked at directly; only a folder (or a glob) needs a listing.
      const plain = isGlob(pattern) || pattern === '' ? undefined : await stat(join(this.root, pattern)).catch(() => undefined);
      const candidates = plain?.isFile() ? [pattern] : plain?.isDirectory() ? await this.files(pattern) : plain ? [] : await this.files(staticBase(pattern));
      const re = isGlob(pattern) ? globToRegExp(pattern) : undefined;
      for (const f of candidates) {
        const hit = re ? re.test(f) : f === pattern || f.startsWith(`${pattern}/`) || pattern === '';
        if (!hit) continue;
        if (negate) chosen.delete(f);
        else chosen.add(f);
      }
    }
    return [...chosen].sort();
  }
}

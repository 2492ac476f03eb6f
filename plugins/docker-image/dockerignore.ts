/**
 * `.dockerignore` with Docker's own semantics (moby/patternmatcher and the CLI's context walk):
 * patterns are cleaned and made relative, `*` and `?` never cross `/`, `**` spans any number of
 * directories, a pattern also matches everything under a matched directory, the last matching
 * pattern wins and `!` re-includes. The Dockerfile and `.dockerignore` are always sent.
 */
import { posix } from 'node:path';

export interface IgnorePattern {
  /** The cleaned pattern text, without `!`. */
  text: string;
  /** A `!` pattern: re-include what earlier patterns excluded. */
  exclusion: boolean;
  regex: RegExp;
}

/** Parses the text of a `.dockerignore` file into patterns (comments and blanks dropped). */
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
      if (line === '') continue;
    }
    let cleaned = posix.normalize(line);
    // Docker strips trailing slashes (filepath.Clean) and one leading slash: patterns are
    // relative to the context root.
    if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
    if (cleaned.length > 1 && cleaned.startsWith('/')) cleaned = cleaned.slice(1);
    patterns.push({ text: cleaned, exclusion, regex: compilePattern(cleaned) });
  }
  return patterns;
}

const REGEX_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** The regular expression moby builds for one pattern. */
export function compilePattern(pattern: string): RegExp {
  let re = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++; // `**/` is `**`
        // `**` at the end matches everything; elsewhere any number of whole directories.
        re += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) re += '\\\\';
      else {
        re += escapeChar(next);
        i++;
      }
    } else if (ch === '[') {
      // A character class, as in Go's filepath.Match (`[^…]` negates; never matches `/`).
      const end = chars.indexOf(']', i + 1);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = chars.slice(i + 1, end).join('');
      let negate = false;
      if (body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/[\]\\]/g, (c) => `\\${c}`);
      re += negate ? `[^/${body}]` : `(?!/)[${body}]`;
      i = end;
    } else {
      re += escapeChar(ch);
    }
  }
  return new RegExp(`${re}$`, 's');
}

function escapeChar(ch: string): string {
  return REGEX_SPECIAL.has(ch) || ch === '[' || ch === ']' || ch === '\\' || ch === '*' || ch === '?' ? `\\${ch}` : ch;
}

/** Decides, for paths relative to the context root, whether Docker would leave them out. */
export class DockerIgnore {
  readonly patterns: readonly IgnorePattern[];
  private readonly hasExclusions: boolean;

  /** `alwaysInclude`: files the build needs whatever the patterns say (the Dockerfile…). */
  constructor(text: string, alwaysInclude: readonly string[] = []) {
    const patterns = parseDockerignore(text);
    for (const file of alwaysInclude) {
      const cleaned = posix.normalize(file);
      patterns.push({ text: cleaned, exclusion: true, regex: compilePattern(cleaned) });
    }
    this.patterns = patterns;
    this.hasExclusions = patterns.some((p) => p.exclusion);
  }

  /** True when the path (`a/b/c`, no leading `./`) is left out of the build context. */
  ignores(path: string): boolean {
    const parents = posix.dirname(path);
    const parentDirs = parents === '.' ? [] : parents.split('/');
    let matched = false;
    for (const pattern of this.patterns) {
      // An include can't change an already excluded path, nor an exclusion an included one.
      if (pattern.exclusion !== matched) continue;
      let match = pattern.regex.test(path);
      for (let i = 0; !match && i < parentDirs.length; i++) {
        match = pattern.regex.test(parentDirs.slice(0, i + 1).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * Whether the walk may skip an ignored directory entirely. Like Docker, it descends only
   * when some `!` pattern starts with the directory's path.
   */
  canSkipDirectory(dir: string): boolean {
    if (!this.hasExclusions) return true;
    const prefix = `${dir}/`;
    return !this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(prefix));
  }
}

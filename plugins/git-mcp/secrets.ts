/**
 * The host's secrets as git paths: `.env*` files anywhere in the tree and everything under
 * `.qms/` (MCP tokens, pid files, the audit log). No `git_exec` may name, stage, stash or
 * read them back, whatever the spelling; the agent preset's index checks judge resolved paths
 * with `isSecretPath`.
 */
import { IN_PROJECT } from '../container/container-paths.js';
import { isSecretName } from '../container/secret-files.js';
import { nameCandidates, normalisePath, parsePathspec } from './paths.js';

/**
 * Is this project-relative path (`/`-separated) a secret or inside one? Compared in lower case:
 * on a case-insensitive filesystem, or through `:(icase)`, `.ENV` is `.env`.
 */
export function isSecretPath(rel: string): boolean {
  const parts = rel.toLowerCase().split('/').filter((p) => p !== '' && p !== '.');
  if (parts[0] === IN_PROJECT.qmsDir) return true;
  return parts.some(isSecretName);
}

/**
 * Does an argument name a secret: a path, a pathspec with magic, `rev:path`, `:path` (the
 * index), `--opt=value`? Globs count when their literal part already reaches a secret
 * (`.env*`, `.qms/*`) or could only match one (`.e*`).
 */
export function namesSecret(root: string, arg: string): string | undefined {
  for (const candidate of [arg, ...nameCandidates(arg)]) {
    const spec = parsePathspec(candidate);
    const globAt = spec.literal ? -1 : spec.pattern.search(/[*?[\\]/);
    const literal = globAt < 0 ? spec.pattern : spec.pattern.slice(0, globAt);
    const n = normalisePath(root, literal, true);
    if (n === null || n === '') continue;
    if (isSecretPath(n)) return n;
    if (globAt >= 0) {
      const last = n.split('/').pop() ?? '';
      if (last !== '' && ('.env'.startsWith(last.toLowerCase()) || (n.indexOf('/') < 0 && '.qms'.startsWith(last.toLowerCase())))) return `${n}*`;
    }
  }
  return undefined;
}

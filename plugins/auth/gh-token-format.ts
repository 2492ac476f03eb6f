/**
 * Does a string look like a GitHub token? Only the shape is judged (prefix, alphabet, length),
 * and the description names the kind, never the value.
 */
export interface TokenShape {
  plausible: boolean;
  /** e.g. `classic personal access token (ghp_)`, or why it is not plausible. */
  kind: string;
}

const PREFIXED: ReadonlyArray<readonly [string, string]> = [
  ['ghp_', 'classic personal access token'],
  ['gho_', 'OAuth token'],
  ['ghu_', 'GitHub App user token'],
  ['ghs_', 'GitHub App installation token'],
  ['ghr_', 'refresh token'],
];

export function tokenShape(token: string): TokenShape {
  if (token !== token.trim() || /\s/.test(token)) return { plausible: false, kind: 'contains spaces or line breaks' };
  if (/^["']|["']$/.test(token)) return { plausible: false, kind: 'is wrapped in quotes' };
  if (token.startsWith('github_pat_')) {
    // Fine-grained tokens: `github_pat_` + 82 characters today; allow for growth.
    return /^github_pat_[A-Za-z0-9_]{40,240}$/.test(token)
      ? { plausible: true, kind: 'fine-grained personal access token (github_pat_)' }
      : { plausible: false, kind: 'starts with github_pat_ but has the wrong length or characters' };
  }
  for (const [prefix, kind] of PREFIXED) {
    if (token.startsWith(prefix)) {
      // `ghp_` + 36 base62 characters today; GitHub reserves the right to grow them.
      return new RegExp(`^${prefix}[A-Za-z0-9]{36,251}$`).test(token)
        ? { plausible: true, kind: `${kind} (${prefix})` }
        : { plausible: false, kind: `starts with ${prefix} but has the wrong length or characters` };
    }
  }
  if (/^[0-9a-f]{40}$/.test(token)) return { plausible: true, kind: 'legacy 40-hex token' };
  return { plausible: false, kind: 'has no known GitHub token prefix (ghp_, github_pat_, gho_, ghs_, ghu_)' };
}

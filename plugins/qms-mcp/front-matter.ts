/** The few front-matter fields QMS documents carry (`title`, `revision_summary`), read without a YAML library. */

export interface FrontMatter {
  title?: string;
  revision_summary?: string;
  [key: string]: string | undefined;
}

/**
 * Top-level `key: value` pairs between the leading `---` lines; an indented line continues
 * the previous value (as in the seeds' folded `revision_summary`). Quotes are stripped.
 */
export function parseFrontMatter(text: string): FrontMatter {
  const m = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(text);
  const out: FrontMatter = {};
  if (!m?.[1]) return out;
  let last: string | undefined;
  for (const line of m[1].split(/\r?\n/)) {
    const kv = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (kv?.[1] !== undefined) {
      last = kv[1];
      out[last] = unquote(kv[2] ?? '');
    } else if (last && /^\s+\S/.test(line)) {
      out[last] = `${out[last] ?? ''} ${line.trim()}`.trim();
    }
  }
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')))) return t.slice(1, -1);
  return t;
}

/** The document's title: front matter `title`, else its first `# ` heading. */
export function documentTitle(text: string): string | undefined {
  const fm = parseFrontMatter(text);
  if (fm.title) return fm.title;
  return /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
}

/**
 * A plain text table that fits a width: columns keep their natural width while they fit;
 * otherwise the widest wrappable columns shrink and their cells wrap at spaces and commas
 * onto continuation lines (nothing is cut off). Used by `qms list`.
 */

export interface TableOptions {
  /** Total width available (the terminal's columns); Infinity for no limit. */
  width: number;
  /** Columns that may wrap (by index); the others keep their natural width. */
  wrap: readonly number[];
  gap?: number;
  /** Narrowest a wrapped column gets. */
  minWidth?: number;
}

/** Break `text` into lines of at most `width` characters, at spaces (or after commas); long words are split. */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=,) |(?<=[^,]) /)) {
    let w = word;
    while (w.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function formatTable(rows: ReadonlyArray<readonly string[]>, options: TableOptions): string[] {
  const gap = options.gap ?? 2;
  const minWidth = options.minWidth ?? 12;
  const count = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (count - 1);
  // Shrink the widest wrappable column, one character at a time, until the table fits.
  while (total() > options.width) {
    const candidates = options.wrap.filter((i) => widths[i]! > minWidth);
    if (candidates.length === 0) break;
    const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    widths[widest] = Math.max(minWidth, widths[widest]! - Math.max(1, total() - options.width));
  }
  const out: string[] = [];
  for (const row of rows) {
    const cells = widths.map((w, i) => wrapText(row[i] ?? '', w));
    const height = Math.max(...cells.map((c) => c.length));
    for (let l = 0; l < height; l++) {
      out.push(cells.map((c, i) => (i === count - 1 ? (c[l] ?? '') : (c[l] ?? '').padEnd(widths[i]!))).join(' '.repeat(gap)).trimEnd());
    }
  }
  return out;
}

/** The width `qms list` may use: the terminal's columns, `COLUMNS` when not a terminal, else no limit. */
export function outputWidth(stdout: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stdout.isTTY && stdout.columns) return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : Infinity;
}

/** Session ids: `Session-YYYY-MM-DD-NNN`, by the local date, numbered from 001 each day. */
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `Session-YYYY-MM-DD-` for the local date of `now`. */
export function sessionPrefix(now: Date): string {
  return `Session-${now.getFullYear()}-${pad(now.getMonth() + 1, 2)}-${pad(now.getDate(), 2)}-`;
}

export function sessionId(now: Date, n: number): string {
  return `${sessionPrefix(now)}${pad(n, 3)}`;
}

/** The number of a session folder of that day, or undefined for any other name. */
export function sessionNumber(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^\d{3,}$/.test(rest) ? Number(rest) : undefined;
}

export const SESSION_ID_PATTERN = /^Session-\d{4}-\d{2}-\d{2}-\d{3,}$/;

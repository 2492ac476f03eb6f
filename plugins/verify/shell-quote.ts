/** Single-quote a string for POSIX sh (the only quoting the in-container scripts use). */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

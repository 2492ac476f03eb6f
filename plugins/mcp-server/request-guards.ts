/**
 * The request guards every qms HTTP service applies before anything else (the MCP host and the
 * project API): the Host header and Origin against an allowlist (DNS rebinding), and a bearer
 * token compared in constant time. One definition, so both services refuse the same requests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export interface Credential {
  /** sha256 of the token (what sessions remember; the token itself is not kept twice). */
  hash: Buffer;
  identity: string;
}

/**
 * The credential an `Authorization` header carries, or undefined. Constant time: the given
 * token is hashed (equal lengths) and compared with every accepted one, without stopping early.
 */
export function credentialOf(header: string | undefined, accepted: readonly Credential[]): Credential | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = digest(m?.[1] ?? '');
  let found: Credential | undefined;
  for (const c of accepted) if (timingSafeEqual(given, c.hash) && m !== null) found = c;
  return found;
}

/** Hostname part of a Host header: `localhost:8000` → `localhost`, `[::1]:8000` → `::1`. */
export function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']')).toLowerCase();
  return (hostHeader.split(':')[0] ?? '').toLowerCase();
}

export function originAllowed(origin: string, allowed: ReadonlySet<string>): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(url.hostname.replace(/^\[|\]$/g, '').toLowerCase());
  } catch {
    return false;
  }
}

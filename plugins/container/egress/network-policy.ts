/**
 * The agents' network policy, the `network` option of `container()`: `'open'` (no restriction,
 * recorded as such in the evidence) or default-deny egress through the project's egress proxy,
 * which lets through only the hosts of the allowlist — by default what Claude Code needs to
 * work, plus the config's `allow` entries. An entry is a host name (`github.com`), a wildcard for
 * its subdomains (`*.github.com`), or an IPv4 address, each optionally with `:port` (default
 * ports 443 and 80). A bad entry is a ConfigError naming it and the fix.
 */
import { ConfigError } from '../../../tasks/errors.js';

export interface AllowRule {
  /** The entry as written (what the decision log names as the rule). */
  entry: string;
  /** Lower-case host name or IPv4 address, without the `*.`. */
  host: string;
  /** `*.host`: any subdomain of `host` (not `host` itself). */
  wildcard: boolean;
  ports: number[];
}

export type NetworkPolicy = { mode: 'open' } | { mode: 'deny'; allow: AllowRule[] };

export type NetworkOption = 'open' | { allow?: readonly string[] };

/** What Claude Code needs to work: the API, and the login's token refresh. */
export const DEFAULT_ALLOW = ['api.anthropic.com:443', 'console.anthropic.com:443', 'claude.ai:443'] as const;

const DEFAULT_PORTS = [443, 80];
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function bad(entry: unknown, why: string, fix: string): never {
  throw new ConfigError(`container(): network.allow entry ${JSON.stringify(entry)} ${why}`, fix, undefined, 'network.allow');
}

function isIpv4(host: string): boolean {
  return IPV4.test(host);
}

/** One allowlist entry → its rule. */
export function parseAllowEntry(entry: unknown): AllowRule {
  if (typeof entry !== 'string' || entry.trim() === '') bad(entry, 'is not a host name', "Write a host name, e.g. 'github.com', '*.github.com' or 'registry.npmjs.org:443'.");
  const text = entry.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text) || text.includes('/')) {
    const host = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split('/')[0];
    bad(entry, 'is a URL: the allowlist takes host names (the proxy sees hosts, not paths)', `Write ${JSON.stringify(host)} instead.`);
  }
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(text)!;
  const name = m[1]!;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) bad(entry, `has port ${port}, outside 1–65535`, "E.g. 'example.com:8443'.");
  const wildcard = name.startsWith('*.');
  const host = wildcard ? name.slice(2) : name.replace(/\.$/, '');
  if (name === '*' || host === '') bad(entry, 'allows every host', "Use network: 'open' to turn the policy off, or list the hosts.");
  if (host.includes('*')) bad(entry, "has a '*' that is not a leading '*.'", "Only '*.example.com' (every subdomain of example.com) is supported.");
  if (isIpv4(host)) {
    if (wildcard) bad(entry, 'puts a wildcard on an IP address', 'Write the address alone.');
  } else {
    const labels = host.split('.');
    if (!labels.every((l) => LABEL.test(l))) bad(entry, 'is not a valid host name', "Use letters, digits, '-' and '.', e.g. 'github.com'.");
    if (wildcard && labels.length < 2) bad(entry, 'is a wildcard over a top-level domain', "Name the domain, e.g. '*.github.com'.");
  }
  return { entry: entry.trim(), host, wildcard, ports: port === undefined ? [...DEFAULT_PORTS] : [port] };
}

/** The `network` option → the policy (checked when the config loads). */
export function resolveNetworkPolicy(option: unknown): NetworkPolicy {
  if (option === undefined) option = {};
  if (option === 'open') return { mode: 'open' };
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new ConfigError(`container(): option \`network\` must be 'open' or { allow: [...] }, got ${JSON.stringify(option)}`, "E.g. network: { allow: ['github.com'] }, or network: 'open' to turn the egress policy off.", undefined, 'network');
  }
  const extra = Object.keys(option).filter((k) => k !== 'allow');
  if (extra.length > 0) throw new ConfigError(`container(): unknown option \`network.${extra[0]}\``, "network takes { allow: [...] } (or 'open').", undefined, `network.${extra[0]}`);
  const allow = (option as { allow?: unknown }).allow ?? [];
  if (!Array.isArray(allow)) throw new ConfigError(`container(): option \`network.allow\` must be an array of host names, got ${JSON.stringify(allow)}`, "E.g. allow: ['github.com', 'registry.npmjs.org'].", undefined, 'network.allow');
  const rules = [...DEFAULT_ALLOW, ...allow].map(parseAllowEntry);
  const seen = new Set<string>();
  return { mode: 'deny', allow: rules.filter((r) => !seen.has(r.entry) && seen.add(r.entry)) };
}

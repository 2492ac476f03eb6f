/**
 * The Docker bridge gateway address (docker0's IPv4, usually 172.17.0.1): MCP servers listen on
 * it besides loopback so containers reach them as `host.docker.internal`, and nothing else does.
 */
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';

/** `0000FFFF`-style little-endian hex from /proc/net/route → a 32-bit number. */
const hexToIp = (hex: string): number => {
  const n = Number.parseInt(hex, 16);
  // /proc/net/route stores addresses in host (little-endian) byte order.
  return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | ((n >>> 24) & 0xff)) >>> 0;
};

const ipToNum = (ip: string): number =>
  ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);

/**
 * Node's `networkInterfaces()` leaves out interfaces without carrier, and docker0 has none
 * while no container runs; so fall back to the kernel's tables: docker0's route gives the
 * subnet, the FIB's LOCAL entries give the host's own address inside it.
 */
function fromProc(iface: string): string | undefined {
  let route: string;
  let trie: string;
  try {
    route = readFileSync('/proc/net/route', 'utf8');
    trie = readFileSync('/proc/net/fib_trie', 'utf8');
  } catch {
    return undefined;
  }
  const line = route.split('\n').find((l) => l.split(/\s+/)[0] === iface);
  const cols = line?.split(/\s+/);
  if (!cols || cols[1] === undefined || cols[7] === undefined) return undefined;
  const net = hexToIp(cols[1]);
  const mask = hexToIp(cols[7]);
  const lines = trie.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (!/\/32 host LOCAL/.test(lines[i] ?? '')) continue;
    const m = /\|-- (\d+\.\d+\.\d+\.\d+)/.exec(lines[i - 1] ?? '');
    if (m?.[1] && ((ipToNum(m[1]) & mask) >>> 0) === net) return m[1];
  }
  return undefined;
}

/** docker0's IPv4 address, or undefined when there is no Docker bridge on this host. */
export function dockerBridgeAddress(iface = 'docker0'): string | undefined {
  const found = networkInterfaces()[iface]?.find((a) => a.family === 'IPv4');
  return found?.address ?? fromProc(iface);
}

/** Where MCP servers listen by default: loopback, plus the bridge gateway when present. */
export function defaultListenHosts(): string[] {
  const bridge = dockerBridgeAddress();
  return bridge ? ['127.0.0.1', bridge] : ['127.0.0.1'];
}

/** Host header names accepted by default (DNS-rebinding protection). */
export function defaultAllowedHostnames(): string[] {
  const bridge = dockerBridgeAddress();
  return ['localhost', '127.0.0.1', 'host.docker.internal', ...(bridge ? [bridge] : [])];
}

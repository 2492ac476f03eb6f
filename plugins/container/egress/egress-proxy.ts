/**
 * The egress proxy that runs in the project's egress container (`qms-<project>-egress`): the
 * agents' only way out. An HTTP proxy (CONNECT tunnels and absolute-URI requests) that lets a
 * request through only to a host of the allowlist and logs every decision as one NDJSON line
 * (time, agent, host, port, allowed/denied, rule; never a path, header or body), plus plain TCP
 * forwarders for the MCP servers' ports (the agents reach `host.docker.internal:<port>`, an alias
 * of this container, and nothing else of the host). Everything the agent sends is hostile input.
 *
 * Node built-ins only, and it runs on the agent image's Node (18): the container mounts this
 * compiled file as `proxy.mjs` and calls `main()`, which reads its configuration from the env.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, createServer as createTcpServer, isIP, type Socket } from 'node:net';
import { Resolver, lookup, reverse } from 'node:dns/promises';
import { appendFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { AllowRule } from './network-policy.js';

export interface Decision {
  time: string;
  agent: string;
  client: string;
  method: string;
  host: string;
  port: number;
  /** `suppressed`: `count` decisions of this agent not logged one by one (over its budget). */
  decision: 'allowed' | 'denied' | 'suppressed';
  /** The allowlist entry that allowed it, or why it was denied. */
  rule: string;
  count?: number;
  /** An allowed request whose upstream failed. */
  error?: string;
  /** A verification probe's nonce (header `X-Qms-Egress-Probe`), so the log tells checks from the agent's traffic. */
  probe?: string;
}

/** The header a verification probe sends: its requests are marked in the log and resolve with a short timeout. */
export const PROBE_HEADER = 'x-qms-egress-probe';

export interface EgressProxyOptions {
  rules: readonly AllowRule[];
  /** Address the proxy and the forwarders listen on. */
  bind: string;
  proxyPort: number;
  /** Ports forwarded to `upstream` (the MCP servers on the host). */
  forwardPorts: readonly number[];
  upstream: string;
  /** Addresses never connected to through the proxy unless the entry names them (the host's). */
  /** The addresses of the host now (they come and go with the engine's networks). */
  blocked: () => readonly string[];
  identify: (clientIp: string) => Promise<string>;
  onDecision: (d: Decision) => void;
  /** A name's IPv4 addresses; default the DNS (c-ares). */
  resolve?: (host: string, probe: boolean) => Promise<string[]>;
  /** Open connections one client (agent) may hold, proxy and forwarders together; default 128. */
  perClientConnections?: number;
  /** A tunnel or forwarded connection with no traffic for this long is closed; default 10 min. */
  idleMs?: number;
  /** Clients refused outright (the proxy's own way out is no way in). */
  refuseClient?: (ip: string) => boolean;
  /** Whether a probe nonce is one the host issued (a verification running now); default none is. */
  issuedProbe?: (nonce: string) => boolean;
  /** Called once per issued nonce, at its first probe request (verification's positive control: `probeControl`). */
  onProbe?: (nonce: string) => void;
}

/** `10.1.0.0/16`-style IPv4 subnets → does `ip` fall in one? */
export function inSubnets(subnets: readonly string[]): (ip: string) => boolean {
  const num = (a: string): number => a.split('.').reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
  const nets = subnets.flatMap((c) => {
    const [base, bits] = c.split('/');
    if (!base || isIP(base) !== 4) return [];
    const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits ?? 32))) >>> 0;
    return [{ net: num(base) & mask, mask }];
  });
  return (ip) => isIP(ip) === 4 && nets.some((n) => ((num(ip) & n.mask) >>> 0) === n.net >>> 0);
}

const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** The rule allowing `host:port`, or undefined. */
export function matchRule(rules: readonly AllowRule[], host: string, port: number): AllowRule | undefined {
  return rules.find((r) => r.ports.includes(port) && (r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host));
}

/** Loopback, unspecified, link-local (cloud metadata), multicast and broadcast: never an egress target by name. */
export function isSpecialAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 127 || a === 0 || (a === 169 && b === 254) || a >= 224;
  }
  const v6 = ip.toLowerCase();
  return v6 === '::1' || v6 === '::' || v6.startsWith('fe8') || v6.startsWith('fe9') || v6.startsWith('fea') || v6.startsWith('feb') || v6.startsWith('ff');
}

/** Denied; allowed with the address to connect to; or allowed but the name did not resolve. */
type Verdict = { ok: false; rule: string } | { ok: true; rule: AllowRule; address: string } | { ok: true; rule: AllowRule; address: undefined; error: string };

// c-ares, not getaddrinfo: a name that never resolves (no DNS on this machine) must not hold one
// of libuv's four threads, and gives up after a bounded time.
const resolver = new Resolver({ timeout: 2_500, tries: 1 });
// A probe only needs to see the decision and whether the host answers: on a machine without DNS,
// the probes' own wait (check-egress.ts, PROBE_WAITS_MS) says enough, and the allowed probe
// must not outlast it. c-ares's own timeout sometimes doubled it, so a timer bounds it.
const PROBE_DNS_MS = 250;
const probeResolver = new Resolver({ timeout: PROBE_DNS_MS, tries: 1 });
function resolveByDns(host: string, probe: boolean): Promise<string[]> {
  if (!probe) return resolver.resolve4(host);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${PROBE_DNS_MS} ms`), { code: 'ETIMEOUT' })), PROBE_DNS_MS);
  });
  return Promise.race([probeResolver.resolve4(host), late]).finally(() => clearTimeout(timer));
}

/** `Example.COM.` → `example.com`, `[::1]` → `::1`: the form rules and the log use. */
const normaliseHost = (raw: string): string => raw.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '').slice(0, 253);

async function judge(o: EgressProxyOptions, host: string, port: number, probe: boolean): Promise<Verdict> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, rule: 'bad port' };
  if (!HOST.test(host) && isIP(host) === 0) return { ok: false, rule: 'bad host name' };
  const rule = matchRule(o.rules, host, port);
  if (!rule) return { ok: false, rule: 'not in the allowlist' };
  if (isIP(host)) return { ok: true, rule, address: host };
  let addresses: string[];
  try {
    addresses = await (o.resolve ?? resolveByDns)(host, probe);
  } catch (err) {
    return { ok: true, rule, address: undefined, error: `cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // A name in the allowlist must not lead to the host itself or its loopback (DNS rebinding).
  const bad = addresses.find((a) => isSpecialAddress(a) || o.blocked().includes(a));
  if (bad) return { ok: false, rule: `${rule.entry} resolves to ${bad}, a host-local address` };
  return { ok: true, rule, address: addresses[0]! };
}

function clientIp(socket: Socket): string {
  return (socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
}

function refuse(socket: Socket, status: 403 | 400 | 502, why: string): void {
  const reason = { 403: 'Forbidden', 400: 'Bad Request', 502: 'Bad Gateway' }[status];
  const body = `qms egress proxy: ${why}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function splitAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(authority);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

export interface RunningProxy {
  close(): Promise<void>;
  proxy: Server;
}

/**
 * One agent must not starve the others: each client address may hold `limit` connections
 * (proxy and forwarders together); the one over it is closed at once.
 */
function perClientLimit(limit: number, refuse: (ip: string) => boolean): (socket: Socket) => boolean {
  const open = new Map<string, number>();
  return (socket) => {
    const client = clientIp(socket);
    const n = open.get(client) ?? 0;
    if (n >= limit || refuse(client)) {
      socket.destroy();
      return false;
    }
    open.set(client, n + 1);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
    return true;
  };
}

export async function startEgressProxy(o: EgressProxyOptions): Promise<RunningProxy> {
  const admit = perClientLimit(o.perClientConnections ?? 128, o.refuseClient ?? (() => false));
  const idleMs = o.idleMs ?? 10 * 60_000;
  const probesSeen = new Set<string>();
  const decide = async (req: IncomingMessage, rawHost: string, port: number): Promise<{ verdict: Verdict; log: Omit<Decision, 'decision' | 'rule'> }> => {
    const host = normaliseHost(rawHost);
    const client = clientIp(req.socket);
    const probeHeader = req.headers[PROBE_HEADER];
    const claimed = typeof probeHeader === 'string' ? probeHeader.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) : '';
    // Only a nonce the host issued makes a probe: an agent's own header is ordinary traffic.
    const probe = claimed && o.issuedProbe?.(claimed) ? claimed : '';
    if (probe && !probesSeen.has(probe)) {
      if (probesSeen.size >= 64) probesSeen.clear(); // one a verification: only the current one matters
      probesSeen.add(probe);
      o.onProbe?.(probe);
    }
    const [verdict, agent] = await Promise.all([judge(o, host, port, probe !== ''), o.identify(client).catch(() => 'unknown')]);
    return { verdict, log: { time: new Date().toISOString(), agent, client, method: req.method ?? '?', host, port, ...(probe ? { probe } : {}) } };
  };
  const record = (log: Omit<Decision, 'decision' | 'rule'>, verdict: Verdict, error?: string): void => {
    const err = error ?? ('error' in verdict ? verdict.error : undefined);
    o.onDecision({ ...log, decision: verdict.ok ? 'allowed' : 'denied', rule: verdict.ok ? verdict.rule.entry : verdict.rule, ...(err ? { error: err } : {}) });
  };

  const proxy = createHttpServer({ requestTimeout: 30_000, headersTimeout: 10_000, connectionsCheckingInterval: 2_000 });
  proxy.on('connection', (socket: Socket) => {
    if (admit(socket)) socket.setTimeout(idleMs, () => socket.destroy());
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = splitAuthority(req.url ?? '');
    if (!target) return refuse(socket, 400, 'CONNECT needs host:port');
    void decide(req, target.host, target.port).then(({ verdict, log }) => {
      if (!verdict.ok) {
        record(log, verdict);
        return refuse(socket, 403, `${log.host}:${log.port} is not allowed (${verdict.rule})`);
      }
      if (verdict.address === undefined) {
        record(log, verdict);
        return refuse(socket, 502, verdict.error);
      }
      let established = false;
      const upstream = connect({ host: verdict.address, port: target.port, noDelay: true });
      upstream.setTimeout(30_000, () => upstream.destroy(new Error('connect timed out')));
      upstream.once('connect', () => {
        established = true;
        upstream.setTimeout(0);
        record(log, verdict);
        socket.setNoDelay(true);
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.once('error', (err) => {
        if (established) return socket.destroy();
        record(log, verdict, err.message);
        refuse(socket, 502, `${log.host}:${log.port} is allowed but did not answer (${err.message})`);
      });
      socket.once('close', () => upstream.destroy());
    });
  });
  proxy.on('request', (req: IncomingMessage, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('qms egress proxy: send requests through the proxy with an absolute URL (HTTP_PROXY), or CONNECT for HTTPS\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('qms egress proxy: only http: URLs are forwarded; use CONNECT for https\n');
      return;
    }
    const port = url.port ? Number(url.port) : 80;
    void decide(req, url.hostname, port).then(({ verdict, log }) => {
      if (!verdict.ok || verdict.address === undefined) {
        record(log, verdict);
        res.writeHead(verdict.ok ? 502 : 403, { 'Content-Type': 'text/plain' }).end(`qms egress proxy: ${log.host}:${port} ${verdict.ok ? verdict.error : `is not allowed (${verdict.rule})`}\n`);
        return;
      }
      const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: url.host };
      delete headers['proxy-connection'];
      delete headers[PROBE_HEADER];
      delete headers['proxy-authorization'];
      const upstream = httpRequest({ host: verdict.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, timeout: 30_000 }, (up) => {
        record(log, verdict);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
      upstream.once('error', (err) => {
        if (!res.headersSent) {
          record(log, verdict, err.message);
          res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`qms egress proxy: ${log.host}:${port} is allowed but did not answer (${err.message})\n`);
        } else res.destroy();
      });
      req.pipe(upstream);
    });
  });

  // The MCP servers: bytes both ways, nothing judged (the servers check Host and the token).
  const forwarders = o.forwardPorts.map((port) =>
    createTcpServer((socket) => {
      if (!admit(socket)) return;
      socket.setTimeout(idleMs, () => socket.destroy());
      // No Nagle on a relay: a reply written in two parts (headers, then body) would wait for the
      // client's delayed ACK (~40 ms a request) before its second part was passed on.
      socket.setNoDelay(true);
      const upstream = connect({ host: o.upstream, port, noDelay: true });
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    }),
  );
  const listen = (server: Server | ReturnType<typeof createTcpServer>, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, o.bind, () => resolve());
    });
  await listen(proxy, o.proxyPort);
  await Promise.all(forwarders.map((f, i) => listen(f, o.forwardPorts[i]!)));
  return {
    proxy,
    close: async () => {
      await Promise.all([proxy, ...forwarders].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export interface LogLimits {
  /** Size of one file before it rotates; default 10 MiB. */
  maxBytes: number;
  /** Older files kept (`.1` … `.N`); default 5. */
  generations: number;
  /** Decisions of one agent logged one by one per second (a verification probe's apart); the rest are counted. Default 50. */
  perAgentPerSecond: number;
}

/**
 * Appends NDJSON decision lines to `file`, rotating it (`.1` … `.N`). An agent flooding the proxy
 * cannot push the log's history out in seconds: past its budget per second its decisions are
 * counted into one `suppressed` line.
 */
export function decisionWriter(file: string, limits: Partial<LogLimits> = {}): (d: Decision) => void {
  const { maxBytes = 10 * 1024 * 1024, generations = 5, perAgentPerSecond = 50 } = limits;
  const write = (d: Decision): void => {
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) {
        for (let i = generations - 1; i >= 1; i--) if (statSync(`${file}.${i}`, { throwIfNoEntry: false })) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        renameSync(file, `${file}.1`);
      }
      appendFileSync(file, `${JSON.stringify(d)}\n`, { mode: 0o640 });
    } catch (err) {
      process.stderr.write(`egress log: ${(err as Error).message}\n`);
    }
  };
  const windows = new Map<string, { second: number; n: number; suppressed: number; client: string }>();
  const flush = (agent: string, w: { suppressed: number; client: string }): void => {
    if (w.suppressed > 0) write({ time: new Date().toISOString(), agent, client: w.client, method: '-', host: '-', port: 0, decision: 'suppressed', rule: `over ${perAgentPerSecond} decisions a second`, count: w.suppressed });
    w.suppressed = 0;
  };
  setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    for (const [agent, w] of windows) if (w.second < now) {
      flush(agent, w);
      windows.delete(agent);
    }
  }, 1_000).unref();
  return (d) => {
    const key = d.probe ? `${d.agent}\0probe` : d.agent;
    const second = Math.floor(Date.now() / 1000);
    let w = windows.get(key);
    if (!w || w.second !== second) {
      if (w) flush(d.agent, w);
      w = { second, n: 0, suppressed: 0, client: d.client };
      windows.set(key, w);
    }
    if (++w.n > perAgentPerSecond) w.suppressed++;
    else write(d);
  };
}

/** Who is `ip`? The engine's DNS names an agent container's address `<container>.<network>`. */
export function identifyByReverseDns(agents: Readonly<Record<string, string>>): (ip: string) => Promise<string> {
  const cache = new Map<string, { agent: string; until: number }>();
  return async (ip) => {
    const hit = cache.get(ip);
    if (hit && hit.until > Date.now()) return hit.agent;
    const names = await reverse(ip).catch(() => [] as string[]);
    const container = names[0]?.split('.')[0] ?? '';
    const agent = agents[container] ?? `unknown (${ip})`;
    cache.set(ip, { agent, until: Date.now() + 30_000 });
    return agent;
  };
}

/** What verification writes while it probes: its nonce, until when it holds, and the host port of the positive control's canary. */
export interface ProbeIssue {
  nonce: string;
  until: number;
  control?: number;
}

/** The probe the host issued and that holds now, from the file verification writes; else undefined. */
export function readProbeIssue(file: string): ProbeIssue | undefined {
  if (!file) return undefined;
  try {
    const issued = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProbeIssue>;
    if (typeof issued.nonce !== 'string' || typeof issued.until !== 'number' || issued.until <= Date.now()) return undefined;
    const port = issued.control;
    return { nonce: issued.nonce, until: issued.until, ...(Number.isInteger(port) && port! > 0 && port! < 65_536 ? { control: port } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether `nonce` is the host's current probe nonce. */
export function issuedProbeIn(file: string): (nonce: string) => boolean {
  return (nonce) => readProbeIssue(file)?.nonce === nonce;
}

/** The positive control's outcome, as the proxy writes it for the host (`EGRESS.probeControlFile`). */
export interface ProbeControl {
  nonce: string;
  /** Whether a TCP connection to the host's control canary was made, and how long it took. */
  connected: boolean;
  ms: number;
  error?: string;
}

/**
 * The egress check's positive control, run by the proxy when a verification's first probe
 * request reaches it, i.e. while the agent's probes run: a TCP connection from this container
 * (which has a way to the host) to the control canary the host named in the probe file. The
 * outcome goes to `out` (written whole, then renamed) for the host to read.
 */
export function probeControl(file: string, out: string, upstream: string, timeoutMs = 5_000): (nonce: string) => void {
  return (nonce) => {
    const issue = readProbeIssue(file);
    if (!out || issue?.nonce !== nonce || issue.control === undefined) return;
    const started = process.hrtime.bigint();
    let socket: Socket;
    try {
      socket = connect({ host: upstream, port: issue.control });
    } catch {
      return; // the host reads no control and says so
    }
    let settled = false;
    const done = (connected: boolean, error?: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const result: ProbeControl = { nonce, connected, ms: Number(process.hrtime.bigint() - started) / 1e6, ...(error ? { error } : {}) };
      try {
        writeFileSync(`${out}.tmp`, JSON.stringify(result));
        renameSync(`${out}.tmp`, out);
      } catch {
        // the host reads no control and says so
      }
    };
    socket.setTimeout(timeoutMs, () => done(false, `no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(true));
    socket.once('error', (err) => done(false, err.message));
  };
}

/** The container's entry: configuration from the env (set by egress-container.ts). */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const json = <T>(name: string): T => JSON.parse(env[name] ?? 'null') as T;
  // Every network of the container: the agents' (one each, joined as they come) and the way out, whose clients are refused.
  const bind = '0.0.0.0';
  const upstream = env.QMS_EGRESS_UPSTREAM ?? 'qms-host';
  // The host's own addresses: its name here, and every interface and network gateway as the host
  // last wrote them (QMS_EGRESS_BLOCKED_FILE, rewritten by every `qms up`; read again when it changes).
  const upstreamAddresses = isIP(upstream) ? [upstream] : (await lookup(upstream, { all: true }).catch(() => [])).map((a) => a.address);
  const blockedFile = env.QMS_EGRESS_BLOCKED_FILE ?? '';
  let blockedSeen = { mtimeMs: -1, list: upstreamAddresses as readonly string[] };
  const blocked = (): readonly string[] => {
    const mtimeMs = statSync(blockedFile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (mtimeMs !== blockedSeen.mtimeMs) {
      let listed: string[] = [];
      try {
        listed = (JSON.parse(readFileSync(blockedFile, 'utf8')) as unknown[]).filter((a): a is string => typeof a === 'string');
      } catch {
        // missing or half-written: the host's name alone until the next good read
      }
      blockedSeen = { mtimeMs, list: [...upstreamAddresses, ...listed] };
    }
    return blockedSeen.list;
  };
  const running = await startEgressProxy({
    rules: json<AllowRule[]>('QMS_EGRESS_RULES'),
    bind,
    proxyPort: Number(env.QMS_EGRESS_PORT ?? 3128),
    forwardPorts: json<number[]>('QMS_EGRESS_FORWARD') ?? [],
    upstream,
    blocked,
    identify: identifyByReverseDns(json<Record<string, string>>('QMS_EGRESS_AGENTS') ?? {}),
    refuseClient: inSubnets((env.QMS_EGRESS_OUTSIDE ?? '').split(',').filter(Boolean)),
    onDecision: decisionWriter(env.QMS_EGRESS_LOG ?? '/qms-egress/log/egress.ndjson'),
    issuedProbe: issuedProbeIn(env.QMS_EGRESS_PROBE_FILE ?? ''),
    onProbe: probeControl(env.QMS_EGRESS_PROBE_FILE ?? '', env.QMS_EGRESS_PROBE_CONTROL_FILE ?? '', upstream),
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready', bind, port: running.proxy.address() })}\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

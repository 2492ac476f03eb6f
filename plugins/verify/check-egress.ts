/**
 * The egress checks (issue 11), proved from inside the agent's container on every verification:
 * the container sits only on the agents' network (internal, no host address on it) with no
 * capability to change that; a direct connection to a host port that is not an MCP server fails
 * (a canary on the host counts connections, and a positive control from the egress proxy's
 * container proves the canary reachable); a direct connection that bypasses the proxy fails, and
 * so does resolving an outside name; the proxy refuses a host not in the allowlist (403, logged
 * as denied for this agent, the canary untouched); a host in the allowlist is allowed. Under
 * `network: 'open'` one record says the policy is off.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { captureExec, type Captured } from './capture-exec.js';
import { readSince } from './read-since.js';
import { record, type CheckRecord } from './report.js';
import type { VerifyTarget } from './target.js';
import { startHostCanary, type HostCanary } from './host-canary.js';
import { LABEL, egressNames } from '../container/names.js';
import { EGRESS, egressLogFile, probeControlFile, probeNonceFile } from '../container/egress/egress-files.js';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import type { AllowRule } from '../container/egress/network-policy.js';
import type { Decision, ProbeControl, ProbeIssue } from '../container/egress/egress-proxy.js';

const GROUP = 'network' as const;
/** The probes' uid: not the agent's (PROBE_USER_ALT when the agent runs as that one). */
const PROBE_USER = '65532:65532';
const PROBE_USER_ALT = '65531:65531';
/** A public address: the stand-in for "anywhere on the internet" a direct connection must not reach. */
const PUBLIC_ADDRESS = '1.1.1.1';
/**
 * How long a probe waits for a connection or a DNS answer before it counts as "none". The
 * agents' network drops packets (no refusal comes back), so "no route" is proved by waiting,
 * against positive controls run beside the probes: a connection from the egress proxy to a host
 * canary (1–6 ms on the local bridge, up to ~25 ms seen on a loaded machine; its time is in the
 * record) and an answer from the engine's resolver for the proxy's own name. The wait counts only
 * when the connection control took at most a fifth of it and the resolver answered within it;
 * else (a machine too busy for the wait to mean anything) the probes run again with the longer
 * wait, and fail the check if even that is not enough. The proxy bounds a probe's DNS lookup
 * alike (egress-proxy.ts, PROBE_DNS_MS).
 */
const PROBE_WAITS_MS = [250, 1_500] as const;
const CONTROL_SHARE = 5;
/** curl's exit codes for "never connected": resolve failure, refused/unreachable, timeout. */
const NOT_CONNECTED = new Set([6, 7, 28]);

type Info = Docker.ContainerInspectInfo;

interface ProbeLine {
  id: string;
  code: number;
  detail: string;
}

/**
 * The probes, in the agent's container but as a uid of their own (PROBE_USER): the agent cannot
 * read their stdin, write into their output or signal them. Their parameters (the nonce among
 * them) come on the exec's stdin, a line each, so the exec can start before they are known
 * (starting one costs ~75 ms); the nonce reaches curl in its config on a pipe (printf is sh's
 * own), never in an argument the agent could read in /proc. All connection probes are one curl
 * run in parallel (a curl start costs ~16 ms of CPU in the image); each prints
 * `<id> <exit code> <detail>`. curl runs with -q (no default config): the probes' HOME is the
 * container's (`/`, whose `.config` the agent owns in the image), and a curlrc the agent put
 * there would trace the nonce and add transfers printing results of its own after the probes'.
 */
const PARAMS = ['WAIT', 'CANARY', 'GW', 'OUTGW', 'HOSTIP', 'PROXY_OUT', 'OUTSIDE_NAME', 'PROXY_NAME', 'NONCE', 'ALLOWED'] as const;
type Params = Record<(typeof PARAMS)[number], string>;
const SCRIPT = `
${PARAMS.map((v) => `IFS= read -r ${v} || exit 3`).join('\n')}
next() { [ -z "$SEP" ] || printf 'next\n'; SEP=1; }
direct() { next; printf 'url = "http://%s/"\nnoproxy = "*"\nconnect-timeout = %s\nmax-time = 1\noutput = "/dev/null"\nwrite-out = "%s %%{exitcode} -\\n"\n' "$2" "$WAIT" "$1"; }
via() { next; printf 'url = "%s"\nproxy = "%s"\nnoproxy = ""\nproxy-header = "X-Qms-Egress-Probe: %s"\nmax-time = 6\noutput = "/dev/null"\nwrite-out = "%s %%{exitcode} %%{http_connect}\\n"\n%s' "$2" "$HTTPS_PROXY" "$NONCE" "$1" "$3"; }
{ timeout "$WAIT" getent hosts "$OUTSIDE_NAME" >/dev/null 2>&1; echo "dns $? -"; } &
{ timeout "$WAIT" getent hosts "$PROXY_NAME" >/dev/null 2>&1; echo "dns-control $? -"; } &
{
  direct host-alias "host.docker.internal:$CANARY"
  direct bridge-gateway "$GW:$CANARY"
  direct outside-gateway "$OUTGW:$CANARY"
  direct host-address "$HOSTIP:$CANARY"
  direct public "${PUBLIC_ADDRESS}:80"
  direct proxy-outside "$PROXY_OUT:${EGRESS.port}"
  via denied "https://qms-denied-$NONCE.invalid/"
  via host-via-proxy "http://host.docker.internal:$CANARY/" 'proxytunnel\n'
  via allowed "https://$ALLOWED/"
} | curl -q -s --parallel --parallel-immediate -K - 2>/dev/null
wait
echo "proxy-env 0 \${HTTPS_PROXY:-none}"
`;

export function parseLines(stdout: string): Map<string, ProbeLine> {
  const out = new Map<string, ProbeLine>();
  for (const line of stdout.split('\n')) {
    const m = /^([a-z-]+) (\d+) (\S+)$/.exec(line.trim());
    if (m) out.set(m[1]!, { id: m[1]!, code: Number(m[2]), detail: m[3]! });
  }
  return out;
}

/** A host name the first rule allows (a wildcard's subdomain), with its port. */
function allowedTarget(rules: readonly AllowRule[]): string | undefined {
  const r = rules[0];
  if (!r) return undefined;
  return `${r.wildcard ? `qms-verify.${r.host}` : r.host}:${r.ports[0] ?? 443}`;
}

async function inspectOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  return p.catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return undefined;
    throw err;
  });
}

function proxyEnv(proxy: Info, name: string): string | undefined {
  const prefix = `${name}=`;
  return proxy.Config.Env?.find((e) => e.startsWith(prefix))?.slice(prefix.length);
}

/** The decisions the proxy logged for `nonce`'s probes: in what the log gained since it was `from` bytes long (it rotates to `.1`). */
async function probeDecisions(root: string, nonce: string, from: number): Promise<Decision[]> {
  const file = egressLogFile(root);
  const text = await readSince(file, from, `${file}.1`);
  return text.split('\n').flatMap((l) => {
    if (!l.includes(nonce)) return [];
    try {
      const d = JSON.parse(l) as Decision;
      return d.probe === nonce ? [d] : [];
    } catch {
      return [];
    }
  });
}

export async function checkEgress(target: VerifyTarget, info: Info, input: { root: string; project: string; onProbesStarted?: () => void }): Promise<CheckRecord[]> {
  const started = new Date();
  const mode = info.Config.Labels?.[LABEL.network];
  if (mode !== 'deny') {
    return [record({ id: 'egress:policy', group: GROUP, title: 'egress policy', how: `the container's ${LABEL.network} label`, expected: "default-deny egress through the egress proxy, or network: 'open' by choice", actual: "network: 'open' — the agent's egress is not restricted (container({ network: 'open' }) or a container from before the policy)", result: 'skip' }, started)];
  }
  // The first probes' exec starts now, while the host looks at the networks and gets ready; it
  // waits for its parameters (none: it exits at once).
  let params!: (p: Params | undefined) => void;
  const first = probeRun(target, new Promise<Params | undefined>((resolve) => (params = resolve)), input.onProbesStarted);
  first.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  try {
    return await egressChecks(target, info, input, first, params);
  } finally {
    params(undefined);
    await first.catch(() => undefined);
  }
}

/** One run of the probes (an exec as PROBE_USER) with `params` on its stdin once they are known. */
function probeRun(target: VerifyTarget, params: Promise<Params | undefined>, onStarted?: () => void): Promise<Captured> {
  return captureExec(target.docker, target.containerId, ['sh', '-c', SCRIPT], {
    user: target.user.startsWith('65532') ? PROBE_USER_ALT : PROBE_USER,
    // Not the container's HOME (`/`, whose dot folders the agent owns): no tool of the probes reads a config the agent wrote.
    env: ['HOME=/nonexistent'],
    stdin: params.then((p) => (p ? PARAMS.map((v) => `${p[v]}\n`).join('') : '')),
    timeoutMs: 30_000,
    signal: target.signal,
    ...(onStarted ? { onStarted } : {}),
  });
}

async function egressChecks(target: VerifyTarget, info: Info, input: { root: string; project: string }, first: Promise<Captured>, params: (p: Params) => void): Promise<CheckRecord[]> {
  const started = new Date();
  const names = egressNames(input.project);
  const own = names.agentNetwork(target.agent);
  const { docker } = target;
  const [proxy, agentsNet, outsideNet, bridge] = await Promise.all([
    inspectOrUndefined(docker.getContainer(names.proxy).inspect()),
    inspectOrUndefined(docker.getNetwork(own).inspect() as Promise<{ Internal?: boolean; Options?: Record<string, string>; Containers?: Record<string, { Name?: string }> }>),
    inspectOrUndefined(docker.getNetwork(names.outsideNetwork).inspect() as Promise<{ IPAM?: { Config?: Array<{ Gateway?: string }> } }>),
    inspectOrUndefined(docker.getNetwork('bridge').inspect() as Promise<{ IPAM?: { Config?: Array<{ Gateway?: string }> } }>),
  ]);
  const joined = Object.keys(info.NetworkSettings.Networks ?? {});
  const self = info.Name.replace(/^\//, '');
  const others = Object.values(agentsNet?.Containers ?? {}).map((c) => c.Name ?? '?').filter((n) => n !== self && n !== names.proxy);
  const caps = ((info.HostConfig.CapAdd ?? []) as string[]).map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  const netProblems = [
    !proxy?.State.Running && `the egress proxy ${names.proxy} is not running`,
    (joined.length !== 1 || joined[0] !== own) && `the container is on ${joined.join(', ') || 'no network'}, not only ${own}`,
    agentsNet?.Internal !== true && `${own} is not an internal network`,
    agentsNet?.Options?.['com.docker.network.bridge.inhibit_ipv4'] !== 'true' && `the host has an address on ${own}`,
    ...others.map((n) => `${n} is on ${own} too (another agent could reach it)`),
    ...['NET_ADMIN', 'NET_RAW', 'ALL'].filter((c) => caps.includes(c)).map((c) => `the container has ${c} (it could change its routes or forge packets)`),
  ].filter((p): p is string => typeof p === 'string');
  const rules = JSON.parse((proxy && proxyEnv(proxy, 'QMS_EGRESS_RULES')) || '[]') as AllowRule[];
  const records: CheckRecord[] = [
    record({
      id: 'egress:network', group: GROUP, title: "the agent's only network is its own",
      how: `docker inspect of the container, ${own} and ${names.proxy}`,
      expected: `only ${own} (internal, no host address, nobody else on it but ${names.proxy}), no NET_ADMIN/NET_RAW, ${names.proxy} running`,
      actual: netProblems.length ? netProblems.join('; ') : `only ${own}, shared with no other agent; ${names.proxy} running with ${rules.length} allowlist entries: ${rules.map((r) => r.entry).join(', ')}`,
      result: netProblems.length ? 'fail' : 'pass',
    }, started),
  ];
  if (!proxy?.State.Running) return records;

  const gateway = bridge?.IPAM?.Config?.[0]?.Gateway ?? '172.17.0.1';
  const outsideGateway = outsideNet?.IPAM?.Config?.[0]?.Gateway ?? gateway;
  const proxyOutside = proxy.NetworkSettings.Networks?.[names.outsideNetwork]?.IPAddress ?? '';
  const hostIp = Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => a.family === 'IPv4' && !a.internal && a.address !== gateway)?.address ?? gateway;
  const allowed = allowedTarget(rules);
  // Two canaries on the same addresses: the agent's probes aim at one, and at the same time the
  // positive control (the egress proxy, whose container has a way to the host) at the other.
  const [canary, controlCanary] = await Promise.all([startHostCanary(), startHostCanary()]);
  try {
    for (const [i, wait] of PROBE_WAITS_MS.entries()) {
      // This attempt's own nonce, never shown to the agent: it marks the probes' decisions in the
      // log (the proxy marks only requests carrying the nonce issued here, never an agent's own
      // header), and the proxy runs the control at the first of them, beside the probes.
      const nonce = randomBytes(16).toString('hex');
      const denied = `qms-denied-${nonce}.invalid`;
      const [logFrom] = await Promise.all([stat(egressLogFile(input.root)).then((st) => st.size, () => 0), rm(probeControlFile(input.root), { force: true })]);
      await atomicWrite(probeNonceFile(input.root), JSON.stringify({ nonce, until: Date.now() + 60_000, control: controlCanary.port } satisfies ProbeIssue), 0o644);
      const values: Params = { WAIT: String(wait / 1000), CANARY: String(canary.port), GW: gateway, OUTGW: outsideGateway, HOSTIP: hostIp, PROXY_OUT: proxyOutside || '192.0.2.1', OUTSIDE_NAME: 'example.com', PROXY_NAME: EGRESS.alias, NONCE: nonce, ALLOWED: allowed ?? 'qms-no-rule.invalid' };
      // The first attempt's exec is already running, waiting for its parameters.
      if (i === 0) params(values);
      const run = await (i === 0 ? first : probeRun(target, Promise.resolve(values)));
      const control = await controlOutcome(input.root, nonce);
      const controlReached = control?.connected === true && controlCanary.connections() > 0;
      const controlMs = Math.round(control?.ms ?? 0);
      const lines = parseLines(run.stdout);
      const tooBusy = (controlReached && controlMs * CONTROL_SHARE > wait) || lines.get('dns-control')?.code !== 0;
      if (tooBusy && i < PROBE_WAITS_MS.length - 1) continue;
      const hits = canary.connections();
      const log = await probeDecisions(input.root, nonce, logFrom);
      const controlNote = control ? (control.error ?? '') : 'the proxy reported no control: no probe request reached it';
      records.push(...judge(lines, { hits, controlReached, controlMs, wait, control: controlNote, log, target, canary, gateway, outsideGateway, hostIp, proxyOutside, denied, allowed, started, stderr: run.stderr }));
      break;
    }
  } finally {
    await Promise.all([canary.close(), controlCanary.close(), rm(probeNonceFile(input.root), { force: true }), rm(probeControlFile(input.root), { force: true })]);
  }
  return records;
}

/** The proxy's report of the control for `nonce`: it is written while the probes run; a short wait covers a slow write. */
async function controlOutcome(root: string, nonce: string): Promise<ProbeControl | undefined> {
  for (let i = 0; i < 25; i++) {
    const found = await readFile(probeControlFile(root), 'utf8').then((t) => JSON.parse(t) as ProbeControl, () => undefined);
    if (found?.nonce === nonce) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** What the probes, the canaries, the control and the proxy's log showed. */
export interface Seen {
  hits: number;
  controlReached: boolean;
  controlMs: number;
  /** How long the probes waited (ms). */
  wait: number;
  control: string;
  log: Decision[];
  target: VerifyTarget;
  canary: HostCanary;
  gateway: string;
  outsideGateway: string;
  hostIp: string;
  proxyOutside: string;
  denied: string;
  allowed: string | undefined;
  started: Date;
  stderr: string;
}

/** The four records from the probes' lines (`parseLines`) and what the host saw. */
export function judge(lines: Map<string, ProbeLine>, s: Seen): CheckRecord[] {
  const missing = (id: string): string => `no result from probe ${id}${s.stderr ? ` (${s.stderr.trim().slice(0, 200)})` : ''}`;
  const failedToConnect = (id: string): boolean => {
    const l = lines.get(id);
    return l !== undefined && NOT_CONNECTED.has(l.code);
  };
  const describe = (id: string): string => {
    const l = lines.get(id);
    return l ? `${id}: ${NOT_CONNECTED.has(l.code) ? `no connection (curl ${l.code})` : `CONNECTED (curl ${l.code})`}` : missing(id);
  };
  const hostIds = ['host-alias', 'bridge-gateway', 'outside-gateway', 'host-address'];
  // A control slower than a fifth of the wait: the machine is too busy for "no answer" to prove anything.
  const tooBusy = s.controlReached && s.controlMs * CONTROL_SHARE > s.wait;
  const busyNote = `the control took ${s.controlMs} ms to connect, more than 1/${CONTROL_SHARE} of the probes' ${s.wait} ms wait: the machine is too busy for the wait to prove anything`;
  const hostOk = hostIds.every(failedToConnect) && s.hits === 0 && s.controlReached && !tooBusy;
  const bypassIds = ['public', 'proxy-outside'];
  const dns = lines.get('dns');
  const dnsControl = lines.get('dns-control');
  const resolverAnswered = dnsControl?.code === 0;
  const bypassOk = bypassIds.every(failedToConnect) && dns !== undefined && dns.code !== 0 && resolverAnswered && !tooBusy;
  const deniedLine = lines.get('denied');
  const hostViaProxy = lines.get('host-via-proxy');
  const logged = s.log.some((d) => d.host === s.denied && d.decision === 'denied' && d.agent === s.target.agent);
  const deniedOk = deniedLine?.detail === '403' && hostViaProxy?.detail === '403' && logged && s.hits === 0;
  const allowedLine = lines.get('allowed');
  const allowedOk = s.allowed !== undefined && allowedLine !== undefined && allowedLine.detail !== '403' && allowedLine.detail !== '000';
  const proxyEnv = lines.get('proxy-env')?.detail ?? 'none';
  return [
    record({
      id: 'egress:host-port', group: GROUP, title: 'a host port that is not an MCP server is unreachable',
      how: `a canary HTTP listener on every address of the host (port ${s.canary.port}); from the container (as a uid of the probes' own, which the agent cannot touch), curl --noproxy '*' to host.docker.internal, the bridge gateway ${s.gateway}, the egress network's gateway ${s.outsideGateway} and the host's address ${s.hostIp} on that port; positive control: the egress proxy (in its container, which has a way to the host) connects to a second canary when the probes' first request reaches it, beside the probes`,
      expected: `no connection from the agent (the canary counts 0); the control connects within 1/${CONTROL_SHARE} of the probes' wait`,
      actual: `${hostIds.map(describe).join('; ')}; canary connections from the agent's probes: ${s.hits}; control: ${s.controlReached ? (tooBusy ? busyNote : `connected in ${s.controlMs} ms (the probes waited ${s.wait} ms)`) : `did not connect (${s.control || 'no message'}) — the check proves nothing`}`,
      result: hostOk ? 'pass' : 'fail',
    }, s.started),
    record({
      id: 'egress:bypass', group: GROUP, title: 'no way out that bypasses the proxy',
      how: `from the container, curl --noproxy '*' to ${PUBLIC_ADDRESS}:80 and to the proxy's own address on its outside network (${s.proxyOutside || 'none'}); timeout ${s.wait / 1000} getent hosts example.com, and beside it (positive control) getent hosts ${EGRESS.alias}, a name the engine's resolver knows`,
      expected: `no connection; an outside name does not resolve (no answer, or none within ${s.wait} ms) while the resolver answers for ${EGRESS.alias} within that time`,
      actual: `${bypassIds.map(describe).join('; ')}; dns: ${dns ? (dns.code === 0 ? 'example.com RESOLVED' : 'does not resolve') : missing('dns')}; control: ${dnsControl ? (resolverAnswered ? `the resolver answered for ${EGRESS.alias}` : `the resolver gave no answer for ${EGRESS.alias} within ${s.wait} ms — the check proves nothing`) : missing('dns-control')}${tooBusy ? `; ${busyNote}` : ''}`,
      result: bypassOk ? 'pass' : 'fail',
    }, s.started),
    record({
      id: 'egress:denied', group: GROUP, title: 'the proxy refuses a host not in the allowlist',
      how: `from the container through $HTTPS_PROXY (${proxyEnv}), marked as this verification's probe: CONNECT ${s.denied}:443, and CONNECT to host.docker.internal:${s.canary.port}; on the host: the decision log (${EGRESS.logFile.split('/').pop()}) and the canary`,
      expected: `403 for both, a denied decision for agent ${s.target.agent}, the canary untouched`,
      actual: `${s.denied}: ${deniedLine ? `HTTP ${deniedLine.detail}` : missing('denied')}; host via proxy: ${hostViaProxy ? `HTTP ${hostViaProxy.detail}` : missing('host-via-proxy')}; logged: ${logged ? `denied for ${s.target.agent}` : `no denied decision for ${s.target.agent} (${s.log.length} lines of this probe)`}; canary connections: ${s.hits}`,
      result: deniedOk ? 'pass' : 'fail',
    }, s.started),
    record({
      id: 'egress:allowed', group: GROUP, title: 'the proxy lets an allowlisted host through',
      how: `from the container through $HTTPS_PROXY, marked as this verification's probe (the proxy resolves it with a ${PROBE_WAITS_MS[0]} ms timeout): CONNECT ${s.allowed ?? '(no rule)'}`,
      expected: 'allowed by the proxy: 200 (reachable) or 502 (allowed, but the host did not answer from here)',
      actual: allowedLine ? `HTTP ${allowedLine.detail}${allowedLine.detail === '502' ? ' (allowed; the host is not reachable from this machine)' : allowedLine.detail === '200' ? ' (reachable)' : ''}` : s.allowed ? missing('allowed') : 'the allowlist is empty',
      result: allowedOk ? 'pass' : 'fail',
    }, s.started),
  ];
}

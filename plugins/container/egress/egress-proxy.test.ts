/**
 * The egress proxy on the host (its code is what the egress container runs) and the allowlist
 * parser. Judged by effect: what the stand-in site and the forwarded "MCP server" received, and
 * the decision log; never by refusal text alone.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../tasks/errors.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionWriter, issuedProbeIn, isSpecialAddress, matchRule, probeControl, startEgressProxy, type Decision, type ProbeControl, type RunningProxy } from './egress-proxy.js';
import { DEFAULT_ALLOW, parseAllowEntry, resolveNetworkPolicy } from './network-policy.js';

const SECRET = 'egress-test-secret-0123456789';

describe('network policy (the `network` option)', () => {
  it('defaults to deny with what Claude Code needs, adds the config\'s entries once, and takes `open`', () => {
    const p = resolveNetworkPolicy({ allow: ['GitHub.com', '*.npmjs.org', 'example.com:8443', '10.1.2.3', 'api.anthropic.com:443'] });
    expect(p.mode).toBe('deny');
    if (p.mode !== 'deny') return;
    expect(p.allow.map((r) => r.entry)).toEqual([...DEFAULT_ALLOW, 'GitHub.com', '*.npmjs.org', 'example.com:8443', '10.1.2.3']);
    expect(p.allow.find((r) => r.entry === 'GitHub.com')).toMatchObject({ host: 'github.com', wildcard: false, ports: [443, 80] });
    expect(p.allow.find((r) => r.entry === '*.npmjs.org')).toMatchObject({ host: 'npmjs.org', wildcard: true });
    expect(p.allow.find((r) => r.entry === 'example.com:8443')?.ports).toEqual([8443]);
    expect(resolveNetworkPolicy(undefined)).toMatchObject({ mode: 'deny' });
    expect(resolveNetworkPolicy('open')).toEqual({ mode: 'open' });
  });

  it.each([
    ['https://github.com/org', /is a URL/],
    ['*', /allows every host/],
    ['*.com', /wildcard over a top-level domain/],
    ['git*hub.com', /'\*' that is not a leading/],
    ['exa mple.com', /not a valid host name/],
    ['example.com:70000', /port 70000/],
    ['*.10.0.0.1', /not a valid host name|wildcard on an IP/],
    ['', /not a host name/],
  ])('refuses %j with a ConfigError naming it and the fix', (entry, why) => {
    let err: unknown;
    try {
      parseAllowEntry(entry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(JSON.stringify(entry));
    expect((err as ConfigError).message).toMatch(why);
    expect((err as ConfigError).hint).toBeTruthy();
    if (entry.startsWith('https:')) expect((err as ConfigError).hint).toContain('"github.com"');
  });

  it('refuses a wrong shape and unknown keys', () => {
    expect(() => resolveNetworkPolicy('closed')).toThrow(/must be 'open' or \{ allow/);
    expect(() => resolveNetworkPolicy({ allow: 'github.com' })).toThrow(/must be an array/);
    expect(() => resolveNetworkPolicy({ alow: [] })).toThrow(/unknown option `network.alow`/);
  });

  it('matches exact hosts on their ports, wildcards on subdomains only', () => {
    const rules = ['github.com', '*.npmjs.org', 'example.com:8443'].map(parseAllowEntry);
    expect(matchRule(rules, 'github.com', 443)?.entry).toBe('github.com');
    expect(matchRule(rules, 'github.com', 22)).toBeUndefined();
    expect(matchRule(rules, 'evilgithub.com', 443)).toBeUndefined();
    expect(matchRule(rules, 'api.github.com', 443)).toBeUndefined();
    expect(matchRule(rules, 'registry.npmjs.org', 443)?.entry).toBe('*.npmjs.org');
    expect(matchRule(rules, 'npmjs.org', 443)).toBeUndefined();
    expect(matchRule(rules, 'evilnpmjs.org', 443)).toBeUndefined();
    expect(matchRule(rules, 'example.com', 8443)?.entry).toBe('example.com:8443');
    expect(matchRule(rules, 'example.com', 443)).toBeUndefined();
  });

  it('knows the addresses a name must never lead to', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '169.254.169.254', '224.0.0.1', '::1', '::', 'fe80::1', '::ffff:127.0.0.1']) expect(isSpecialAddress(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '172.17.0.2', '192.0.2.10', '2001:db8::1']) expect(isSpecialAddress(ip), ip).toBe(false);
  });
});

describe('the egress proxy', () => {
  let site: Server;
  let sitePort = 0;
  const siteSeen: string[] = [];
  let mcp: ReturnType<typeof createTcpServer>;
  let mcpPort = 0;
  let proxy: RunningProxy;
  let proxyPort = 0;
  const log: Decision[] = [];
  const probeDir = mkdtempSync(join(tmpdir(), 'qms-egress-probe-'));
  const probeFile = join(probeDir, 'probe.json');
  const controlFile = join(probeDir, 'probe-control.json');
  afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

  beforeAll(async () => {
    site = createServer((req, res) => {
      siteSeen.push(`${req.method} ${req.headers.host} ${req.url}${req.headers['x-qms-egress-probe'] ? ' PROBE-HEADER-LEAKED' : ''}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`site says hi to ${req.url}`);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    sitePort = (site.address() as AddressInfo).port;
    mcp = createTcpServer((s) => s.end('mcp-bytes'));
    await new Promise<void>((r) => mcp.listen(0, '127.0.0.1', r));
    mcpPort = (mcp.address() as AddressInfo).port;
    // A free port for the proxy.
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    proxyPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    proxy = await startEgressProxy({
      // The site by address (an explicit IP entry), and by a name whose DNS answer is loopback (rebinding).
      rules: [`127.0.0.1:${sitePort}`, `rebind.test:${sitePort}`, `lan-host.test:${sitePort}`].map(parseAllowEntry),
      resolve: async (host) => (host === 'rebind.test' ? ['127.0.0.1'] : host === 'lan-host.test' ? ['10.9.8.7'] : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }))),
      bind: '127.0.0.1',
      proxyPort,
      forwardPorts: [],
      upstream: '127.0.0.1',
      // The host's own addresses (one of them a 10.x one here).
      blocked: () => ['172.17.0.1', '10.9.8.7'],
      identify: async () => 'claude',
      onDecision: (d) => log.push(d),
      issuedProbe: issuedProbeIn(probeFile),
      onProbe: probeControl(probeFile, controlFile, '127.0.0.1'),
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((r) => site.close(() => r()));
    await new Promise<void>((r) => mcp.close(() => r()));
  });

  /** CONNECT through the proxy; resolves with the status and, when tunnelled, what a GET through the tunnel returned. */
  function tunnel(authority: string, path = '/'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
      req.once('connect', (res, socket) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          return resolve({ status: res.statusCode ?? 0, body: '' });
        }
        let body = '';
        socket.on('data', (d: Buffer) => (body += d.toString()));
        socket.once('end', () => resolve({ status: 200, body }));
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
      });
      req.once('error', reject);
      req.end();
    });
  }

  function forward(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path: url, headers: { host: new URL(url).host } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
  }

  it('tunnels to an allowed host and forwards plain HTTP to it, logging allowed decisions without the path', async () => {
    const t = await tunnel(`127.0.0.1:${sitePort}`, `/t?token=${SECRET}`);
    expect(t.status).toBe(200);
    expect(t.body).toContain(`site says hi to /t?token=${SECRET}`);
    const f = await forward(`http://127.0.0.1:${sitePort}/f?token=${SECRET}`);
    expect(f.status).toBe(200);
    expect(f.body).toContain('site says hi to /f');
    expect(siteSeen).toContain(`GET 127.0.0.1:${sitePort} /f?token=${SECRET}`);
    const allowed = log.filter((d) => d.decision === 'allowed');
    expect(allowed.map((d) => [d.method, d.host, d.port, d.rule, d.agent])).toEqual([
      ['CONNECT', '127.0.0.1', sitePort, `127.0.0.1:${sitePort}`, 'claude'],
      ['GET', '127.0.0.1', sitePort, `127.0.0.1:${sitePort}`, 'claude'],
    ]);
    expect(JSON.stringify(log)).not.toContain(SECRET);
  });

  it('refuses what the allowlist does not name, and the site never sees it', async () => {
    const before = siteSeen.length;
    expect((await tunnel('example.invalid:443')).status).toBe(403);
    expect((await tunnel(`127.0.0.1:${mcpPort}`)).status).toBe(403); // the right address, another port
    expect((await forward(`http://example.invalid:${sitePort}/x`)).status).toBe(403);
    expect((await tunnel(`rebind.test:${sitePort}`)).status).toBe(403); // allowed by name, but the name leads to loopback
    expect((await forward(`http://[::1]:${sitePort}/`)).status).toBe(403);
    expect((await tunnel(`lan-host.test:${sitePort}`)).status).toBe(403); // the name leads to one of the host's own addresses
    expect(siteSeen.length).toBe(before);
    const denied = log.filter((d) => d.decision === 'denied');
    expect(denied.map((d) => d.host)).toEqual(['example.invalid', '127.0.0.1', 'example.invalid', 'rebind.test', '::1', 'lan-host.test']);
    expect(denied.find((d) => d.host === 'rebind.test')?.rule).toMatch(/resolves to 127\.0\.0\.1, a host-local address/);
    expect(denied.every((d) => d.agent === 'claude' && d.client === '127.0.0.1')).toBe(true);
  });

  it("marks a verification probe's decisions with the nonce the host issued (sanitised), an agent's own header not at all, and never forwards it", async () => {
    const withHeader = (nonce: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path: `http://127.0.0.1:${sitePort}/p`, headers: { 'x-qms-egress-probe': nonce, host: `127.0.0.1:${sitePort}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
    const before = siteSeen.length;
    // Nothing issued: a header the agent sends itself is ordinary traffic in the log.
    expect(await withHeader('qms-verify-forged')).toBe(200);
    expect(log.at(-1)).toMatchObject({ host: '127.0.0.1', decision: 'allowed' });
    expect(log.at(-1)).not.toHaveProperty('probe');
    writeFileSync(probeFile, JSON.stringify({ nonce: 'n0nce-1bx', until: Date.now() + 60_000 }));
    expect(await withHeader('n0nce-1 <b>/;x')).toBe(200);
    expect(log.at(-1)).toMatchObject({ host: '127.0.0.1', decision: 'allowed', probe: 'n0nce-1bx' });
    expect(await withHeader('other-nonce')).toBe(200);
    expect(log.at(-1)).not.toHaveProperty('probe');
    writeFileSync(probeFile, JSON.stringify({ nonce: 'n0nce-1bx', until: Date.now() - 1 })); // expired
    expect(await withHeader('n0nce-1bx')).toBe(200);
    expect(log.at(-1)).not.toHaveProperty('probe');
    expect(siteSeen.length).toBe(before + 4);
    expect(siteSeen.slice(before).join('\n')).not.toContain('PROBE-HEADER-LEAKED');
  });

  it("runs the verification's positive control once per issued nonce, at its first probe request: a connection to the port the host named", async () => {
    const canary = createTcpServer((c) => c.destroy());
    let connections = 0;
    canary.on('connection', () => connections++);
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    const port = (canary.address() as AddressInfo).port;
    const marked = (nonce: string) =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `qms-denied.invalid:443`, headers: { 'x-qms-egress-probe': nonce } });
        req.once('connect', (_res, socket) => (socket.destroy(), resolve()));
        req.once('response', (res) => (res.resume(), resolve()));
        req.once('error', reject);
        req.end();
      });
    const control = async (): Promise<ProbeControl | undefined> => {
      for (let i = 0; i < 100; i++) {
        try {
          return JSON.parse(readFileSync(controlFile, 'utf8')) as ProbeControl;
        } catch {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      return undefined;
    };
    try {
      // An agent's own header, and an issued nonce without a (valid) control port: no control.
      await marked('forged-by-agent');
      writeFileSync(probeFile, JSON.stringify({ nonce: 'nc-0', until: Date.now() + 60_000 }));
      await marked('nc-0');
      // A port out of range: no control either, and the proxy carries on.
      writeFileSync(probeFile, JSON.stringify({ nonce: 'nc-big', until: Date.now() + 60_000, control: 70_000 }));
      await marked('nc-big');
      expect(existsSync(controlFile)).toBe(false);
      expect(connections).toBe(0);
      // Issued with the canary's port: one connection, reported under the nonce, however many probe requests follow.
      writeFileSync(probeFile, JSON.stringify({ nonce: 'nc-1', until: Date.now() + 60_000, control: port }));
      await Promise.all([marked('nc-1'), marked('nc-1'), marked('nc-1')]);
      expect(await control()).toMatchObject({ nonce: 'nc-1', connected: true });
      expect(connections).toBe(1);
      // A control port nobody listens on: reported as not connected, with why.
      rmSync(controlFile);
      const closed = createTcpServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const gone = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      writeFileSync(probeFile, JSON.stringify({ nonce: 'nc-2', until: Date.now() + 60_000, control: gone }));
      await marked('nc-2');
      expect(await control()).toMatchObject({ nonce: 'nc-2', connected: false, error: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      rmSync(controlFile, { force: true });
      await new Promise<void>((r) => canary.close(() => r()));
    }
  });

  it('answers a malformed request with 400 and a direct (non-proxy) request with 400, reaching nothing', async () => {
    const before = siteSeen.length;
    expect((await tunnel('no-port-here')).status).toBe(400);
    const direct = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxyPort, path: '/' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    expect(direct).toBe(400);
    expect(siteSeen.length).toBe(before);
  });

  it('forwards the MCP ports byte for byte and nothing else', async () => {
    const fwdPort = await new Promise<number>((r) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.2', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    // A second proxy instance on 127.0.0.2 forwarding fwdPort → the "MCP server" on 127.0.0.1:mcpPort is not possible
    // with one port number, so forward the MCP server's own port from another loopback address.
    const p2 = await startEgressProxy({ rules: [], bind: '127.0.0.2', proxyPort: fwdPort, forwardPorts: [mcpPort], upstream: '127.0.0.1', blocked: () => [], identify: async () => 'x', onDecision: () => undefined });
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const s = connect(mcpPort, '127.0.0.2');
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.once('end', () => resolve(text));
        s.once('error', reject);
      });
      expect(got).toBe('mcp-bytes');
      const refused = await new Promise<string>((resolve) => {
        const s = connect(sitePort, '127.0.0.2');
        s.once('connect', () => resolve('connected'));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      await p2.close();
    }
  });
});

describe('the egress proxy under a flood from one agent', () => {
  it('holds each client to its connection budget (another client is still served) and closes idle tunnels', async () => {
    const site = createTcpServer((s) => s.on('data', () => undefined));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const sitePort = (site.address() as AddressInfo).port;
    const port = await new Promise<number>((r) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const p = await startEgressProxy({ rules: [parseAllowEntry(`127.0.0.1:${sitePort}`)], bind: '0.0.0.0', proxyPort: port, forwardPorts: [], upstream: '127.0.0.1', blocked: () => [], identify: async () => 'a', onDecision: () => undefined, perClientConnections: 3, idleMs: 300 });
    const open = (from: string) =>
      new Promise<{ status: string; socket: ReturnType<typeof connect> }>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress: from });
        socket.once('error', () => resolve({ status: 'error', socket }));
        socket.once('close', () => resolve({ status: 'closed', socket }));
        socket.once('connect', () => socket.write(`CONNECT 127.0.0.1:${sitePort} HTTP/1.1\r\nHost: x\r\n\r\n`));
        socket.once('data', (d: Buffer) => resolve({ status: d.toString().split('\r\n')[0] ?? '', socket }));
      });
    try {
      const held = await Promise.all([open('127.0.0.1'), open('127.0.0.1'), open('127.0.0.1')]);
      expect(held.map((h) => h.status)).toEqual(Array(3).fill('HTTP/1.1 200 Connection Established'));
      expect((await open('127.0.0.1')).status).toBe('closed'); // over the budget
      expect((await open('127.0.0.2')).status).toBe('HTTP/1.1 200 Connection Established'); // another agent
      // Idle tunnels are closed, and the budget comes back.
      await Promise.all(held.map((h) => new Promise<void>((r) => (h.socket.destroyed ? r() : h.socket.once('close', () => r())))));
      expect((await open('127.0.0.1')).status).toBe('HTTP/1.1 200 Connection Established');
    } finally {
      await p.close().catch(() => undefined);
      site.close();
    }
  }, 20_000);

  it('logs an agent past its budget per second as one suppressed line with the count, and rotates through generations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qms-egress-log-'));
    try {
      const file = join(dir, 'egress.ndjson');
      const write = decisionWriter(file, { perAgentPerSecond: 5, maxBytes: 2_000, generations: 2 });
      const d = (i: number, agent = 'flood'): Decision => ({ time: new Date().toISOString(), agent, client: '10.0.0.2', method: 'CONNECT', host: `h${i}.example`, port: 443, decision: 'denied', rule: 'not in the allowlist' });
      // Within one second (aligned to its start, so the burst does not straddle two).
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      for (let i = 0; i < 20; i++) write(d(i));
      write(d(99, 'quiet'));
      await new Promise((r) => setTimeout(r, 2100));
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Decision);
      expect(lines.filter((l) => l.agent === 'flood' && l.decision === 'denied')).toHaveLength(5);
      expect(lines.find((l) => l.decision === 'suppressed')).toMatchObject({ agent: 'flood', count: 15 });
      expect(lines.some((l) => l.agent === 'quiet')).toBe(true);
      for (let i = 0; i < 200; i++) write(d(i, `a${i}`));
      expect(readdirSync(dir).sort()).toEqual(['egress.ndjson', 'egress.ndjson.1', 'egress.ndjson.2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

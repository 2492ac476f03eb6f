/**
 * Default-deny egress (issue 11) with the real binary, engine and Dockerfile: `qms up` proves the
 * policy from inside (the egress checks of the evidence), then, as an attacker in the container
 * would, by effect: a stand-in site on the proxy's outside network (never the internet) is
 * reachable through the proxy under an allowlisted name and not under another, and never
 * directly; a host service on a port that is not an MCP server counts no connection; the
 * decision log names the agent, the host and the rule and holds no path; `qms down` removes the
 * proxy and its networks. Bad allowlists fail when the config loads, before anything starts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRepo, currentVerification, ensureBuilt, IMAGE_TAG, makeE2eRepo, projectContainers, qms, transcript, type E2eRepo } from './harness.js';

const SECRET = 'egress-e2e-secret-path-0123456789';
const SITE_TEXT = 'stand-in site for the egress test';

let repo: E2eRepo | undefined;
let hostService: Server | undefined;
let hostServicePort = 0;
let hostServiceConnections = 0;

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const names = () => ({ agent: `qms-${repo!.name}-claude`, proxy: `qms-${repo!.name}-egress`, agents: `qms-${repo!.name}-claude-net`, outside: `qms-${repo!.name}-outside`, site: `qms-${repo!.name}-site` });

/** Runs `script` in the agent's container as the agent; never throws. */
function asAgent(script: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('docker', ['exec', '-u', '1000:1000', names().agent, 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    return { code: e.status ?? -1, out: e.stdout ?? '' };
  }
}

/** The requests the stand-in site served (python's http.server logs each on stderr). */
const siteRequests = (): string[] => execFileSync('sh', ['-c', `docker logs ${names().site} 2>&1`], { encoding: 'utf8' }).split('\n').filter((l) => /"GET /.test(l));

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-egress-${process.pid}`);
  const config = readFileSync(join(repo.root, 'qms.config.ts'), 'utf8').replace("after: ['session', 'auth'] }", "after: ['session', 'auth'], network: { allow: ['allowed-site.test'] } }");
  repo.write('qms.config.ts', config);
  repo.git('commit', '-qam', 'allow the stand-in site');
  // A host service on a port no MCP server has, on every address.
  hostService = createServer((s) => {
    hostServiceConnections++;
    s.end('host service\n');
  });
  await new Promise<void>((r) => hostService!.listen(0, '0.0.0.0', r));
  hostServicePort = (hostService.address() as { port: number }).port;
}, 300_000);

afterAll(async () => {
  hostService?.close();
  if (repo) execFileSync('docker', ['rm', '-f', names().site], { stdio: 'ignore' });
  await cleanupRepo(repo);
}, 120_000);

describe('default-deny egress', () => {
  it('up proves it from inside; by effect: only the allowlisted name, only through the proxy, no host port, a clean decision log', async () => {
    const r = repo!;
    const up = await qms(r, ['up', '--no-attach', '--json']);
    expect(up.code, transcript(up)).toBe(0);
    const { report } = currentVerification(r);
    const egress = report.checks.filter((c) => c.id.startsWith('egress:'));
    expect(egress.map((c) => c.id).sort()).toEqual(['egress:allowed', 'egress:bypass', 'egress:denied', 'egress:host-port', 'egress:network']);
    expect(egress.filter((c) => c.result !== 'pass'), JSON.stringify(egress, null, 1)).toEqual([]);
    // The MCP servers still answer from inside, and Claude Code still connects to them.
    expect(report.checks.filter((c) => c.id.startsWith('mcp:')).map((c) => [c.id, c.result])).toEqual(expect.arrayContaining([['mcp:qms', 'pass'], ['mcp:git', 'pass'], ['mcp:claude-mcp-list', 'pass']]));

    const n = names();
    expect(JSON.parse(docker('inspect', '-f', '{{json .NetworkSettings.Networks}}', n.agent)) as object).toEqual({ [n.agents]: expect.anything() });
    // The stand-in site: on the proxy's outside network, under an allowed and a denied name.
    docker('run', '-d', '--name', n.site, '--label', `qms.project=${r.name}`, '--network', n.outside, '--network-alias', 'allowed-site.test', '--network-alias', 'denied-site.test', '-u', '0', '--entrypoint', 'sh', IMAGE_TAG, '-c',
      `mkdir -p /tmp/site && echo '${SITE_TEXT}' > /tmp/site/index.html && exec python3 -m http.server 80 --directory /tmp/site`);
    const siteIp = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${n.outside}").IPAddress}}`, n.site);
    for (let i = 0; i < 100 && docker('exec', n.site, 'sh', '-c', 'curl -s -o /dev/null -w %{http_code} http://127.0.0.1/ || true') !== '200'; i++) await new Promise((res) => setTimeout(res, 100));
    const before = siteRequests().length;

    // Allowed name through the proxy (the agent's HTTP_PROXY), as plain HTTP and as a CONNECT tunnel.
    expect(asAgent('curl -s --max-time 10 http://allowed-site.test/index.html').out).toContain(SITE_TEXT);
    expect(asAgent('curl -s -p --max-time 10 http://allowed-site.test/index.html').out).toContain(SITE_TEXT);
    expect(asAgent(`curl -s -o /dev/null --max-time 10 "http://allowed-site.test/index.html?token=${SECRET}"`).code).toBe(0);
    expect(siteRequests().length).toBe(before + 3);
    // The same site under a name not in the allowlist, and directly by address: nothing reaches it.
    expect(asAgent('curl -s -o /dev/null -w %{http_code} --max-time 10 http://denied-site.test/index.html').out).toBe('403');
    expect(asAgent('curl -s -p -o /dev/null -w %{http_connect} --max-time 10 http://denied-site.test/index.html').out).toBe('403');
    const direct = asAgent(`curl -s --noproxy '*' --connect-timeout 2 --max-time 3 http://${siteIp}/index.html; echo "rc=$?"`).out;
    expect(direct).not.toContain(SITE_TEXT);
    expect(direct).toMatch(/rc=(7|28)/);
    expect(siteRequests().length).toBe(before + 3);
    // An outside name does not resolve in the container, and the resolver it reads gives up after
    // one try of one second (not glibc's 5 s × 2), so a tool that ignores the proxy fails soon.
    expect(asAgent('getent hosts example.com; echo "rc=$?"').out).toMatch(/^rc=2$/m);
    expect(asAgent('cat /etc/resolv.conf').out).toMatch(/^options .*\btimeout:1\b.*\battempts:1\b/m);

    // A host service on another port: not through host.docker.internal, the bridge, the outside gateway or the proxy.
    const outsideGateway = docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', n.outside);
    for (const address of ['host.docker.internal', '172.17.0.1', outsideGateway]) {
      expect(asAgent(`curl -s --noproxy '*' --connect-timeout 2 --max-time 3 http://${address}:${hostServicePort}/; echo "rc=$?"`).out, address).toMatch(/rc=(7|28)$/m);
    }
    expect(asAgent(`curl -s -o /dev/null -w %{http_code} --max-time 5 http://host.docker.internal:${hostServicePort}/ --noproxy '' -x http://qms-egress:3128`).out).toBe('403');
    expect(hostServiceConnections).toBe(0);

    // The decision log: the agent, the host, the rule; never the path (nor what it carried).
    const logs = await qms(r, ['logs', 'egress', '--json']);
    expect(logs.code, transcript(logs)).toBe(0);
    const decisions = logs.stdout.trim().split('\n').map((l) => JSON.parse(l) as { agent: string; host: string; decision: string; rule: string; port: number });
    expect(decisions).toEqual(expect.arrayContaining([
      expect.objectContaining({ agent: 'claude', host: 'allowed-site.test', port: 80, decision: 'allowed', rule: 'allowed-site.test' }),
      expect.objectContaining({ agent: 'claude', host: 'denied-site.test', port: 80, decision: 'denied', rule: 'not in the allowlist' }),
      expect.objectContaining({ agent: 'claude', host: 'host.docker.internal', port: hostServicePort, decision: 'denied' }),
    ]));
    expect(logs.stdout + readFileSync(join(r.root, '.qms', 'egress', 'egress.ndjson'), 'utf8')).not.toContain(SECRET);
    const human = await qms(r, ['logs', 'egress']);
    expect(human.stdout).toMatch(/claude {2}DENIED {3}denied-site\.test:80 {2}not in the allowlist/);

    const status = await qms(r, ['status']);
    expect(status.stdout).toMatch(new RegExp(`${n.proxy}\\s+egress-proxy\\s+running\\s+yes`));
    expect(status.stdout).toMatch(/network=deny/);

    // A second up reuses the proxy and the agent's container as they are (while other projects' networks come and go).
    const ids = () => docker('inspect', '-f', '{{.Id}}', n.proxy, n.agent);
    const before2 = ids();
    docker('network', 'create', `qms-${r.name}-unrelated`);
    // The engine starts execs into one container one at a time: the egress probes (the longest wait) go first.
    const events = spawn('docker', ['events', '--filter', `container=${n.agent}`, '--filter', 'event=exec_start', '--format', '{{.Action}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let started = '';
    events.stdout.on('data', (c: Buffer) => (started += c.toString()));
    try {
      const again = await qms(r, ['up', '--no-attach', '--json']);
      expect(again.code, transcript(again)).toBe(0);
      expect(ids()).toBe(before2);
      const execs = started.split('exec_start: ').filter(Boolean);
      expect(execs.length, started).toBeGreaterThanOrEqual(2);
      expect(execs[0], started).toContain('direct host-alias');
      // The positive control ran in the proxy, beside the probes, and counted.
      const hostPort = currentVerification(r).report.checks.find((c) => c.id === 'egress:host-port');
      expect(hostPort?.actual).toMatch(/control: connected in \d+ ms/);
    } finally {
      events.kill();
      docker('network', 'rm', `qms-${r.name}-unrelated`);
    }
  }, 600_000);

  it('down removes the proxy and both networks', async () => {
    const r = repo!;
    docker('rm', '-f', names().site);
    const down = await qms(r, ['down']);
    expect(down.code, transcript(down)).toBe(0);
    expect(projectContainers(r)).toEqual([]);
    expect(docker('network', 'ls', '-q', '--filter', `label=qms.project=${r.name}`)).toBe('');
  }, 300_000);

  it('refuses a bad allowlist entry when the config loads, naming it and the fix, and starts nothing', async () => {
    const r = repo!;
    const good = readFileSync(join(r.root, 'qms.config.ts'), 'utf8');
    try {
      r.write('qms.config.ts', good.replace("allow: ['allowed-site.test']", "allow: ['https://github.com/org/repo']"));
      const up = await qms(r, ['up', '--no-attach']);
      expect(up.code).not.toBe(0);
      expect(up.stderr).toContain('network.allow entry "https://github.com/org/repo" is a URL');
      expect(up.stderr).toContain('"github.com"');
      expect(projectContainers(r)).toEqual([]);
    } finally {
      r.write('qms.config.ts', good);
    }
  }, 120_000);
});

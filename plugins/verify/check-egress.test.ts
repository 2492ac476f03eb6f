/**
 * The egress checks' verdicts that need no container: a container whose policy is open gets one
 * skipped record saying so (the evidence records that the policy is off); a denied container
 * whose proxy is gone fails at once; the probes' "no answer" counts only when the positive
 * control connected within a fifth of their wait, and "an outside name does not resolve" only
 * when the resolver answered for the proxy's name. The checks from inside run in
 * test/e2e/egress.test.ts.
 */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { checkEgress, judge, parseLines, type Seen } from './check-egress.js';
import type { VerifyTarget } from './target.js';

const missing = () => Promise.reject(Object.assign(new Error('no such thing'), { statusCode: 404 }));
const docker = { getContainer: () => ({ inspect: missing }), getNetwork: () => ({ inspect: missing }) } as unknown as Docker;
const target = { docker, containerId: 'c', user: '1000:1000', agent: 'claude', signal: new AbortController().signal, nonce: 'n', probe: () => Promise.reject(new Error('no probe expected')) } as VerifyTarget;
const info = (labels: Record<string, string>, networks: string[]) =>
  ({ Name: '/qms-p-claude', Config: { Labels: labels }, HostConfig: { CapAdd: null }, NetworkSettings: { Networks: Object.fromEntries(networks.map((n) => [n, {}])) } }) as unknown as Docker.ContainerInspectInfo;

describe('checkEgress', () => {
  it("records network: 'open' as a skipped check that says the policy is off", async () => {
    const records = await checkEgress(target, info({ 'qms.network': 'open' }, ['bridge']), { root: '/r', project: 'p' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: 'egress:policy', group: 'network', result: 'skip' });
    expect(records[0]!.actual).toMatch(/not restricted/);
  });

  it('fails a default-deny container whose proxy is gone, naming what is wrong, without probing', async () => {
    const records = await checkEgress(target, info({ 'qms.network': 'deny' }, ['bridge']), { root: '/r', project: 'p' });
    expect(records.map((r) => [r.id, r.result])).toEqual([['egress:network', 'fail']]);
    expect(records[0]!.actual).toContain('the egress proxy qms-p-egress is not running');
    expect(records[0]!.actual).toContain('not only qms-p-claude-net');
    expect(records[0]!.actual).toContain('the host has an address on qms-p-claude-net');
  });

  it("counts the probes' wait only when the control connected well within it: a busy machine fails host-port and bypass", () => {
    const lines = parseLines(
      ['host-alias 7 -', 'bridge-gateway 28 -', 'outside-gateway 28 -', 'host-address 28 -', 'public 28 -', 'proxy-outside 28 -', 'dns 124 -', 'dns-control 0 -', 'denied 56 403', 'host-via-proxy 56 403', 'allowed 56 502'].join('\n'),
    );
    const seen = (controlMs: number): Seen => ({
      hits: 0, controlReached: true, controlMs, wait: 250, control: '', target,
      log: [{ time: '', agent: 'claude', client: '', method: 'CONNECT', host: 'qms-denied-n.invalid', port: 443, decision: 'denied', rule: 'not in the allowlist', probe: 'n' }],
      canary: { port: 1, connections: () => 0, close: async () => undefined }, gateway: 'g', outsideGateway: 'o', hostIp: 'h', proxyOutside: 'p',
      denied: 'qms-denied-n.invalid', allowed: 'api.example:443', started: new Date(), stderr: '',
    });
    const verdicts = (r: ReturnType<typeof judge>) => Object.fromEntries(r.map((c) => [c.id, c.result]));
    expect(verdicts(judge(lines, seen(3)))).toEqual({ 'egress:host-port': 'pass', 'egress:bypass': 'pass', 'egress:denied': 'pass', 'egress:allowed': 'pass' });
    const busy = judge(lines, seen(80));
    expect(verdicts(busy)).toEqual({ 'egress:host-port': 'fail', 'egress:bypass': 'fail', 'egress:denied': 'pass', 'egress:allowed': 'pass' });
    expect(busy[0]!.actual).toMatch(/control took 80 ms .* too busy/);
    // The resolver gave no answer even for the proxy's own name: "example.com does not resolve" proves nothing.
    const deaf = judge(new Map([...lines, ['dns-control', { id: 'dns-control', code: 124, detail: '-' }]]), seen(3));
    expect(verdicts(deaf)['egress:bypass']).toBe('fail');
    expect(deaf[1]!.actual).toMatch(/no answer for qms-egress within 250 ms — the check proves nothing/);
  });
});

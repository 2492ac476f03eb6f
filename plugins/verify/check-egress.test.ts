/**
 * The egress checks' verdicts that need no container: a container whose policy is open gets one
 * skipped record saying so (the evidence records that the policy is off); a denied container
 * whose proxy is gone fails at once. The checks from inside run in test/e2e/egress.test.ts.
 */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { checkEgress } from './check-egress.js';
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
});

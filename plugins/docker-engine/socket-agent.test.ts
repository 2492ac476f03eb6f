/**
 * Requests to the engine's unix socket, through dockerode and the direct ping, against the real
 * engine: they go through qms's socket agent, which names no TLS server, so Node never works one
 * out from the Host header (net.isIP, whose first call costs a busy start-up ~5-7 ms).
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectDocker } from './client.js';
import { engineAnswers, pingVersion } from './engine-ping.js';

describe('the engine socket agent', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reaches the engine through dockerode and the ping without asking net.isIP about any Host header', async () => {
    const isIP = vi.spyOn(net, 'isIP');
    const env = process.env as Record<string, string>;
    expect(await engineAnswers(env)).toBe(true);
    expect((await pingVersion(env))?.ApiVersion).toMatch(/^\d+\.\d+$/);
    const docker = await connectDocker(env);
    expect(Array.isArray(await docker.listContainers({ all: true }))).toBe(true);
    await expect(docker.getContainer('qms-no-such-container').inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(isIP).not.toHaveBeenCalled();
  });
});

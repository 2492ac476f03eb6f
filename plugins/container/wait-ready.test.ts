/**
 * waitReady against real containers of the local base image: ready at the entrypoint's log
 * line, ready by the ready file alone (an entrypoint that does not log it), a container that
 * exits during set-up fails with its log, and a ready line from an earlier run of the same
 * container is not taken for this run's.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import { READY_FILE, waitReady } from './wait-ready.js';

const LABEL = `qms-wait-ready-test-${randomBytes(3).toString('hex')}`;
let docker: Docker;

async function started(script: string): Promise<string> {
  const image = process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm';
  const c = await docker.createContainer({ Image: image, Entrypoint: ['sh', '-c', script], Labels: { [LABEL]: '1' } });
  await c.start();
  return c.id;
}

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
});

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [LABEL] } })) await docker.getContainer(c.Id).remove({ force: true });
});

describe('waitReady', () => {
  it('is ready at the entrypoint\'s log line', async () => {
    const id = await started(`sleep 0.3; touch ${READY_FILE}; echo 'qms-entrypoint: ready (idle)' >&2; exec sleep 60`);
    await expect(waitReady(docker, id, 10_000)).resolves.toBeUndefined();
  });

  it('is ready by the ready file when the entrypoint logs nothing', async () => {
    const id = await started(`sleep 0.3; touch ${READY_FILE}; exec sleep 60`);
    await expect(waitReady(docker, id, 10_000)).resolves.toBeUndefined();
  });

  it('fails with the log when the container exits during set-up', async () => {
    const id = await started(`echo 'no config here' >&2; exit 3`);
    await expect(waitReady(docker, id, 10_000)).rejects.toThrow(/stopped during set-up \(exit code 3\)[\s\S]*no config here/);
  });

  it('does not take an earlier run\'s ready line for this run\'s', async () => {
    // The first run logs the line and exits; the second (a restart) never gets ready.
    const id = await started(`if [ -e /tmp/once ]; then exec sleep 60; fi; touch /tmp/once; echo 'qms-entrypoint: ready (idle)' >&2`);
    for (let i = 0; i < 100 && (await docker.getContainer(id).inspect()).State.Running; i++) await new Promise((r) => setTimeout(r, 50));
    // Most likely in the same second as the line: the line's own time must rule it out.
    await docker.getContainer(id).start();
    await expect(waitReady(docker, id, 1500)).rejects.toThrow(/did not finish its set-up/);
  });
});

/**
 * prepareExec against a real container of the local base image: the command is running before
 * its input exists and gets it intact; the time limit counts from `run`, not from the start;
 * `close` ends an exec that was never used, leaving no process behind in the container.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import { captureExec } from './capture-exec.js';
import { prepareExec } from './prepared-exec.js';

const LABEL = `qms-prepared-exec-test-${randomBytes(3).toString('hex')}`;
let docker: Docker;
let id: string;

/** The container's processes (`<pid> <args>`) other than its own sleep (pid 1) and this listing's. */
async function others(): Promise<string[]> {
  const list = 'for p in /proc/[0-9]*; do a=$(tr "\\0" " " < $p/cmdline 2>/dev/null) && printf "%s %s\\n" "${p#/proc/}" "$a"; done';
  const ps = await captureExec(docker, id, ['sh', '-c', `${list} # qms-listing`], { timeoutMs: 10_000 });
  if (ps.code !== 0) throw new Error(`listing the container's processes failed: ${ps.stderr}`);
  const lines = ps.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  expect(lines).toContainEqual(expect.stringMatching(/^1 sleep infinity$/)); // the listing sees the container's processes
  return lines.filter((l) => !/^1 /.test(l) && !/qms-listing|^\d+ tr /.test(l));
}

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  const c = await docker.createContainer({ Image: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', Entrypoint: ['sleep', 'infinity'], Labels: { [LABEL]: '1' } });
  await c.start();
  id = c.id;
});

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [LABEL] } })) await docker.getContainer(c.Id).remove({ force: true });
});

describe('prepareExec', () => {
  it('is running before its script exists, and runs the script handed to it later', async () => {
    const exec = prepareExec(docker, id, ['sh'], { user: '1000:1000' });
    // The shell is there, waiting on its stdin, before it has anything to do.
    let waiting: string[] = [];
    for (let i = 0; i < 50 && !waiting.some((l) => /^\d+ sh$/.test(l)); i++) {
      waiting = await others();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(waiting).toContainEqual(expect.stringMatching(/^\d+ sh$/));
    const value = "a 'b' \"c\" $(d)";
    const out = await exec.run(`V=${`'${value.replace(/'/g, `'\\''`)}'`}\nprintf '%s|' "$V" "$(id -u)"; echo err >&2; exit 4\n`, 10_000);
    expect(out).toEqual({ code: 4, stdout: `${value}|1000|`, stderr: 'err\n' });
    await expect(exec.run('true', 1000)).rejects.toThrow(/runs once/);
  });

  it('counts its time limit from the hand-over, and ends a command that overruns it', async () => {
    const exec = prepareExec(docker, id, ['sh']);
    await new Promise((r) => setTimeout(r, 700)); // longer than the limit below: not counted
    expect((await exec.run('sleep 0.1; echo done', 600)).stdout).toBe('done\n');
    const slow = prepareExec(docker, id, ['sh']);
    await expect(slow.run('sleep 30', 500)).rejects.toThrow(/no answer within 500 ms/);
    let left = await others();
    for (let i = 0; i < 30 && left.some((l) => /sleep 30/.test(l)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await others();
    }
    expect(left.filter((l) => /sleep 30/.test(l))).toEqual([]);
  });

  it('close() ends an exec that was never used: no shell is left in the container', async () => {
    const before = await others();
    const exec = prepareExec(docker, id, ['sh'], { user: '1000:1000' });
    await new Promise((r) => setTimeout(r, 300));
    exec.close();
    exec.close(); // twice is harmless
    let left = await others();
    for (let i = 0; i < 30 && left.length > before.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await others();
    }
    expect(left).toEqual(before);
    await expect(exec.run('true', 1000)).rejects.toThrow(/runs once/);
  });
});

/**
 * The build task against the real engine, on a small context FROM the local Debian base:
 * build, skip when unchanged, rebuild on a context change (not on an ignored file's), --force,
 * a failing step's error, a missing base image, an unreachable engine.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext, type TestContext } from '../../test/plugin-test-context.js';
import { QmsError } from '../../tasks/errors.js';
import type { TaskDef } from '../../tasks/types.js';
import { connectDocker, engineSocket } from '../docker-engine/client.js';
import { inspectImage } from './image-build.js';
import { dockerImage, type DockerImageOptions, type DockerImageResult } from './index.js';
import { quickInspect, UNAVAILABLE } from './quick-inspect.js';

const BASE = process.env.QMS_BASE_IMAGE || 'qms-base:bookworm';
const run = randomBytes(4).toString('hex');
const project = `qms-image-test-${run}`;
const tag = `qms-image-test-${run}:latest`;
let root: string;
let docker: Docker;

function task(options: DockerImageOptions = {}): TaskDef<DockerImageResult> {
  return dockerImage({ context: 'img', tag, ...options }).tasks[0] as TaskDef<DockerImageResult>;
}
/** What `ctx.skip(reason, result)` ends the task with, as the engine records it. */
class Skipped {
  constructor(
    readonly reason: string,
    readonly result: unknown,
  ) {}
}
function ctx(env: Record<string, string> = {}, force = false): TestContext {
  const base = testContext({ root, project, name: 'build', env: { QMS_BASE_IMAGE: BASE, ...env } });
  const skip = (reason: string, result?: unknown): never => {
    throw new Skipped(reason, result);
  };
  return { ...base, skip, options: { ...base.options, force } };
}
/** Runs the task: the skip reason and result when it was up to date, else undefined. */
async function skipped(options: DockerImageOptions = {}, c = ctx()): Promise<Skipped | undefined> {
  try {
    await task(options).run(c);
    return undefined;
  } catch (err) {
    if (err instanceof Skipped) return err;
    throw err;
  }
}
/** The error a task run ends with (fails the test if it succeeds). */
async function failure(c: TestContext, options: DockerImageOptions = {}): Promise<QmsError> {
  try {
    await task(options).run(c);
  } catch (err) {
    expect(err).toBeInstanceOf(QmsError);
    return err as QmsError;
  }
  throw new Error('the build was expected to fail');
}

beforeAll(async () => {
  docker = await connectDocker(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {});
  root = await mkdtemp(join(tmpdir(), 'qms-image-build-'));
  await mkdir(join(root, 'img'));
  await writeFile(join(root, 'img', 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY app.txt /app.txt\nRUN cat /app.txt\n');
  await writeFile(join(root, 'img', '.dockerignore'), 'ignored.txt\n');
  await writeFile(join(root, 'img', 'app.txt'), 'version 1\n');
  await writeFile(join(root, 'img', 'ignored.txt'), 'not sent\n');
});

afterAll(async () => {
  // Every image this file built carries its unique project label.
  const images = await docker.listImages({ all: true, filters: { label: [`qms.project=${project}`] } });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

describe('build task (real engine)', () => {
  let first: DockerImageResult;

  it('builds, streaming the log, and labels the image with the hash and project', async () => {
    const c = ctx();
    first = await task().run(c);
    expect(first).toMatchObject({ tag, built: true });
    expect(first.id).toMatch(/^sha256:/);
    expect(c.lines).toContain('output: version 1');
    expect(c.lines.some((l) => /^output: Step 2\/\d+ : FROM qms-base/.test(l) || l.startsWith(`output: Step 2/`))).toBe(true);
    const info = await docker.getImage(tag).inspect();
    expect(info.Config.Labels).toMatchObject({ 'qms.build-hash': first.hash, 'qms.project': project });
  });

  it('skips when nothing changed, and an ignored file does not count', async () => {
    const c = ctx();
    const skip = await skipped({}, c);
    expect(skip?.reason).toBe(`image ${tag} is up to date (hash ${first.hash.slice(0, 12)})`);
    // Dependents (the container) still get the image through the skip's result.
    expect(skip?.result).toEqual({ ...first, built: false });
    expect(c.lines).toEqual([]);
    await writeFile(join(root, 'img', 'ignored.txt'), 'changed, still not sent\n');
    expect((await skipped())?.reason).toBe(skip?.reason);
  });

  it('the fast inspect over the socket agrees with dockerode, and steps aside when it cannot answer', async () => {
    const env: Record<string, string> = process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {};
    const quick = await quickInspect(env, tag);
    if (engineSocket(env)) expect(quick).toEqual(await inspectImage(docker, tag));
    expect(await quickInspect(env, `qms-no-such-image-${run}:x`)).toBeUndefined();
    expect(await quickInspect({ DOCKER_HOST: 'tcp://127.0.0.1:1' }, tag)).toBe(UNAVAILABLE);
    expect(await quickInspect({ DOCKER_HOST: 'unix:///nonexistent.sock' }, tag)).toBe(UNAVAILABLE);
  });

  it('rebuilds when a context file changes, and drops the old image', async () => {
    await writeFile(join(root, 'img', 'app.txt'), 'version 2\n');
    const c = ctx();
    const second = await task().run(c);
    expect(second.built).toBe(true);
    expect(second.hash).not.toBe(first.hash);
    expect(second.id).not.toBe(first.id);
    expect(c.lines).toContain('output: version 2');
    await expect(docker.getImage(first.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    first = second;
  });

  it('rebuilds when a build arg changes', async () => {
    const c = ctx();
    expect(await skipped({ buildArgs: { EXTRA: '1' } }, c)).toBeUndefined();
    expect(c.lines.some((l) => l.startsWith('info: built '))).toBe(true);
    expect(await skipped({ buildArgs: { EXTRA: '1' } })).toBeInstanceOf(Skipped);
    expect(await skipped()).toBeUndefined(); // back to the default args: a rebuild again
  });

  it('--force rebuilds an up-to-date image', async () => {
    expect((await skipped())?.reason).toMatch(/up to date/);
    const forced = ctx({}, true);
    const result = await task().run(forced);
    expect(result).toMatchObject({ built: true, hash: first.hash });
    expect(forced.lines.some((l) => l.includes('Using cache'))).toBe(true);
  });

  it('a failing RUN step is one clear error with the command, its output tail and the Dockerfile', async () => {
    const failRoot = join(root, 'img-fail');
    await mkdir(failRoot);
    await writeFile(
      join(failRoot, 'Dockerfile'),
      'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN for i in $(seq 1 30); do echo "line $i"; done; echo "about to fail: marker-42" >&2; exit 3\n',
    );
    const err = await failure(ctx(), { context: 'img-fail' });
    const message = err.message;
    expect(message).toContain('img-fail/Dockerfile');
    expect(message).toMatch(/failed at Step 3\/\d+ : RUN for i in/);
    expect(message).toContain('about to fail: marker-42');
    expect(message).toContain('line 30');
    expect(message).not.toContain('line 5\n');
    expect(message).toMatch(/returned a non-zero code: 3/);
    expect(message).not.toContain('\u001b');
    expect(message).not.toContain('Removing intermediate container');
    expect(err.hint).toContain('img-fail/Dockerfile');
    // forcerm: the failed step's container is gone too.
    const left = await docker.listContainers({ all: true, filters: { ancestor: [BASE] } });
    expect(left.filter((container) => container.Command.includes('marker-42'))).toEqual([]);
    if (process.env.QMS_SHOW_ERRORS) console.log(`${message}\nhint: ${err.hint}`);
  });

  it('an aborted run stops the build and leaves no step container behind', async () => {
    const slowRoot = join(root, 'img-slow');
    await mkdir(slowRoot);
    await writeFile(join(slowRoot, 'Dockerfile'), `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nRUN echo slow-step-${run} && sleep 60\n`);
    const controller = new AbortController();
    const c = { ...ctx(), signal: controller.signal };
    const started = Date.now();
    const output = c.lines;
    const building = task({ context: 'img-slow' }).run(c);
    // Abort once the slow step is running.
    while (!output.some((l) => l === `output: slow-step-${run}`) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error('interrupted by the test'));
    await expect(building).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(30_000);
    // The engine cancels the step and removes its container (give it a moment).
    let left: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      const all = await docker.listContainers({ all: true, filters: { ancestor: [BASE] } });
      left = all.filter((container) => container.Command.includes(`slow-step-${run}`));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(left).toEqual([]);
  });

  it('a base image that is missing locally says how to build one', async () => {
    const missing = `qms-missing-base-${run}:nope`;
    const err = await failure(ctx({ QMS_BASE_IMAGE: missing }));
    expect(err.message).toContain(`base image ${missing} is not present locally`);
    expect(err.hint).toContain('unset QMS_BASE_IMAGE');
    expect(err.hint).toContain('npm run docker:base');
  });

  it('an unreachable engine is the engine client\'s clear error', async () => {
    const host = 'unix:///nonexistent.sock';
    // dockerode reads DOCKER_HOST from process.env when it is set.
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = host;
    try {
      const err = await failure(ctx({ DOCKER_HOST: host }));
      expect(err.message).toContain('does not answer');
      expect(err.hint).toContain('docker:engine');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

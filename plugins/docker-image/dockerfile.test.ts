/**
 * The real docker/Dockerfile, built by the plugin on the local Debian base with the network
 * of the host (slow the first time; the layer cache makes reruns fast). The image is kept as
 * `qms-agent:test` for other tests to reuse. Checked from inside: the tools, the non-root
 * agent user with the host user's uid, HOME=/, Claude Code working as that user, extra CAs.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../../test/plugin-test-context.js';
import type { TaskDef } from '../../tasks/types.js';
import { connectDocker } from '../docker-engine/client.js';
import { dockerImage, type DockerImageResult } from './index.js';
import { defaultAgentUser } from '../container/options.js';

const TEST_IMAGE = 'qms-agent:test';
const root = fileURLToPath(new URL('../..', import.meta.url));
const testCa = 'plugins/docker-image/fixtures/test-ca.crt';
const env = { QMS_BASE_IMAGE: process.env.QMS_BASE_IMAGE || 'qms-base:bookworm' };
const task = dockerImage({ context: 'docker', tag: TEST_IMAGE, extraCaCerts: [testCa] }).tasks[0] as TaskDef<DockerImageResult>;
let docker: Docker;

/** Runs `sh -c script` in a throw-away container of the image; stdout, stderr and the exit code. */
async function inImage(script: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const [result, container] = (await docker.run(TEST_IMAGE, ['sh', '-c', script], [out, err], {
    Tty: false,
    HostConfig: { AutoRemove: false, NetworkMode: 'none' },
  })) as [{ StatusCode: number }, Docker.Container];
  await container.remove({ force: true });
  return { stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString(), code: result.StatusCode };
}

describe('docker/Dockerfile (real engine, local base)', () => {
  let built: DockerImageResult;

  beforeAll(async () => {
    docker = await connectDocker(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {});
  });

  it('builds with the plugin, then is up to date', { timeout: 1_200_000 }, async () => {
    // Forced, so the build itself runs every time (the engine's layer cache keeps reruns fast).
    const plain = testContext({ root, project: 'qms', name: 'build', env });
    const ctx = { ...plain, options: { ...plain.options, force: true } };
    built = await task.run(ctx);
    expect(built.built).toBe(true);
    expect(plain.lines.some((l) => l.startsWith('output: Step '))).toBe(true);
    expect(built.tag).toBe(TEST_IMAGE);
    expect(built.id).toMatch(/^sha256:/);
    const again = testContext({ root, project: 'qms', name: 'build', env });
    // The shared test context's skip throws `skipped: <reason>`.
    await expect(task.run(again)).rejects.toThrow(`skipped: image ${TEST_IMAGE} is up to date (hash ${built.hash.slice(0, 12)})`);
    const info = await docker.getImage(TEST_IMAGE).inspect();
    expect(info.Config.User).toBe('claude');
    expect(info.Config.WorkingDir).toBe('/pipe-dream');
    expect(info.Config.Env).toEqual(expect.arrayContaining(['HOME=/', 'CLAUDE_CONFIG_DIR=/claude-config']));
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/qms-entrypoint']);
    expect(info.Config.Cmd).toEqual(['claude']);
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', '/usr/local/bin/qms-healthcheck']);
  });

  it('has the tools: Claude Code at the pinned version, gh, node, git, python venv, ssh', async () => {
    const pkg = JSON.parse(await readFile(`${root}/node_modules/@anthropic-ai/claude-code/package.json`, 'utf8')) as { version: string };
    const dockerfile = await readFile(`${root}/docker/Dockerfile`, 'utf8');
    expect(dockerfile).toContain(`ARG CLAUDE_CODE_VERSION=${pkg.version}`);
    const { stdout, code } = await inImage(
      'claude --version && gh --version | head -n1 && node --version && git --version && python3 -m venv --help | head -n1 && command -v ssh',
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`${pkg.version} (Claude Code)`);
    expect(stdout).toMatch(/gh version \d/);
    expect(stdout).toMatch(/^v\d+\./m);
    expect(stdout).toMatch(/git version \d/);
    expect(stdout).toContain('usage: venv');
    expect(stdout).toContain('/usr/bin/ssh');
  });

  it('runs as the non-root claude user with the host user\'s uid/gid and HOME=/', async () => {
    const { uid, gid } = defaultAgentUser();
    const { stdout, code } = await inImage('echo "$(id -un) $(id -u) $(id -g) home=$HOME pwd=$(pwd)"; stat -c "%u:%g %a" /projects /claude-config');
    expect(code).toBe(0);
    expect(stdout).toContain(`claude ${uid} ${gid} home=/ pwd=/pipe-dream`);
    expect(stdout).toContain(`${uid}:${gid} 755\n${uid}:${gid} 700`);
  });

  it('lets the agent work: /projects writable, git global config, Claude Code MCP config in CLAUDE_CONFIG_DIR', async () => {
    const { stdout, stderr, code } = await inImage(
      'set -e; touch /projects/x; git config --global user.name agent; git config --global user.name; ' +
        'claude mcp add --transport http --scope user probe http://127.0.0.1:9/mcp >/dev/null; ' +
        'ls -a /claude-config; claude mcp list',
    );
    expect(stderr).not.toMatch(/EACCES|permission denied/i);
    expect(code).toBe(0);
    expect(stdout).toContain('agent\n');
    expect(stdout).toContain('.claude.json');
    expect(stdout).toContain('probe: http://127.0.0.1:9/mcp');
  });

  it('trusts the extra CA certificates (system bundle; Node through NODE_EXTRA_CA_CERTS)', async () => {
    const pem = (await readFile(`${root}/${testCa}`, 'utf8')).trim().split('\n').slice(1, 3).join('\n');
    const { stdout, code } = await inImage('cat /etc/ssl/certs/ca-certificates.crt; echo "NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"');
    expect(code).toBe(0);
    expect(stdout).toContain(pem);
    expect(stdout).toContain('NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt');
  });

  it('takes over a uid/gid the base image already uses (daemon, 1:1 on Debian)', { timeout: 600_000 }, async () => {
    const otherTag = `qms-agent:test-uid-${process.pid}`;
    const other = dockerImage({ context: 'docker', tag: otherTag, extraCaCerts: [testCa], buildArgs: { AGENT_UID: '1', AGENT_GID: '1' } })
      .tasks[0] as TaskDef<DockerImageResult>;
    try {
      await other.run(testContext({ root, project: 'qms-uid-test', name: 'build', env }));
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const [result, container] = (await docker.run(otherTag, ['sh', '-c', 'echo "$(id -un) $(id -u) $(id -g)"; touch /projects/ok'], out, {
        HostConfig: { NetworkMode: 'none' },
      })) as [{ StatusCode: number }, Docker.Container];
      await container.remove({ force: true });
      expect(result.StatusCode).toBe(0);
      expect(Buffer.concat(chunks).toString()).toContain('claude 1 1');
    } finally {
      await docker.getImage(otherTag).remove({ force: true }).catch(() => undefined);
    }
  });

  it('holds no secret: no GH_TOKEN or .env in the build args, history or files', async () => {
    const history = await docker.getImage(TEST_IMAGE).history();
    expect(JSON.stringify(history)).not.toMatch(/GH_TOKEN=|ANTHROPIC_API_KEY=/);
    const { stdout } = await inImage('ls -a / /tmp /pipe-dream; env');
    expect(stdout).not.toMatch(/^\.env/m);
    expect(stdout).not.toMatch(/^GH_TOKEN=/m);
  });
});

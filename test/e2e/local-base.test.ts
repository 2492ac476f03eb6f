/**
 * A machine without a registry and without a base image: `qms up --no-attach` with no
 * QMS_BASE_IMAGE builds the local Debian base itself (debootstrap, once), builds the agent
 * image on it and starts the container; a second `up` finds the base by its content-addressed
 * tag and reuses everything. A test-only base repository and image tag, so the shared
 * `qms-base:bookworm` and `qms-agent:e2e` of concurrent tests are left alone; the registry is
 * never tried (`pull: false`: tests make no pulls). To keep the suite's added time to the one
 * debootstrap, the image is the container tests' light stand-in for docker/Dockerfile (same
 * user, entrypoint, health check; no Node or Claude Code), so the chain stops at `container`:
 * verifying the real image is the other end-to-end tests' job, on the base the test set-up made.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBaseRecipe } from '../../plugins/docker-image/local-base-recipe.js';
import { repoRoot } from '../cli/built.js';
import { cleanupRepo, ensureBuilt, makeE2eRepo, outputLines, projectContainers, qms, transcript, type E2eRepo } from './harness.js';

const BASE_REPOSITORY = `qms-base-e2e-${process.pid}`;
const IMAGE = `qms-agent:e2e-local-base-${process.pid}`;
// The recipe as the qms child computes it (the same env, where it matters: the mirror).
const { tag: BASE_TAG } = localBaseRecipe({ QMS_DEBIAN_MIRROR: process.env.QMS_DEBIAN_MIRROR ?? '' }, BASE_REPOSITORY);
// No QMS_BASE_IMAGE for qms (an empty value is "not configured"), nor a QMS_LOCAL_BASE over the config's repository.
const NO_BASE = { QMS_BASE_IMAGE: '', QMS_LOCAL_BASE: '' };

function config(name: string, qmsPort: number, gitPort: number): string {
  return `import { defineConfig, dockerEngine, auth, dockerImage, qmsMcp, gitMcp, session, container } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(name)},
  plugins: [
    dockerEngine(),
    auth(),
    dockerImage({ context: 'image', tag: ${JSON.stringify(IMAGE)}, localBase: { repository: ${JSON.stringify(BASE_REPOSITORY)}, pull: false } }),
    qmsMcp({ port: ${qmsPort} }),
    gitMcp({ port: ${gitPort} }),
    session(),
    container({ image: ${JSON.stringify(IMAGE)}, after: ['session', 'auth'], network: 'open' }),
  ],
  chains: {
    up: ['engine', 'auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop', 'engine:down'],
  },
});
`;
}

let repo: E2eRepo | undefined;

function imageId(tag: string): string | undefined {
  try {
    return execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', tag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
const rmi = (tag: string) => execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-localbase-${process.pid}`);
  repo.write('qms.config.ts', config(repo.name, repo.qmsPort, repo.gitPort));
  const image = join(repo.root, 'image');
  mkdirSync(join(image, 'docker'), { recursive: true });
  cpSync(join(repoRoot, 'plugins/container/test/fixtures/agent-lite/Dockerfile'), join(image, 'Dockerfile'));
  for (const f of ['entrypoint.sh', 'healthcheck.sh', 'mcp-headers.sh']) cpSync(join(repoRoot, 'docker', f), join(image, 'docker', f));
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'config: a test-only base repository and a light image');
  if (imageId(BASE_TAG)) rmi(BASE_TAG);
});
afterAll(async () => {
  await cleanupRepo(repo);
  for (const tag of [IMAGE, BASE_TAG]) if (imageId(tag)) rmi(tag);
}, 120_000);

describe('qms up on a machine with no base image and no QMS_BASE_IMAGE', () => {
  it('builds the local Debian base once and builds on it; a second up reuses it', async () => {
    expect(imageId(BASE_TAG)).toBeUndefined();
    const first = await qms(repo!, ['up', '--no-attach', '--json'], { env: NO_BASE });
    expect(first.code, transcript(first)).toBe(0);
    const build = outputLines(first, 'build');
    // One line says what happens, before it happens; debootstrap's progress streams after it.
    const said = build.findIndex((l) => l.startsWith(`building the local Debian base ${BASE_TAG} once: debootstrap bookworm from `));
    expect(said, build.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0);
    expect(build.slice(said).some((l) => /^I: (Retrieving|Validating|Extracting|Installing)/.test(l)), 'debootstrap progress').toBe(true);
    expect(build.some((l) => l.startsWith(`base: built ${BASE_TAG}`))).toBe(true);
    expect(build.some((l) => l.startsWith(`building ${IMAGE} from `) && l.includes(`(base ${BASE_TAG},`))).toBe(true);
    const baseId = imageId(BASE_TAG);
    expect(baseId).toBeDefined();
    // The agent image really stands on it: its history ends in the imported base layer.
    expect(execFileSync('docker', ['history', '-q', '--no-trunc', IMAGE], { encoding: 'utf8' }).trim().split('\n')).toContain(baseId);
    // The base trusts this host's extra CA certificates (what a TLS-intercepting proxy needs).
    const certs = execFileSync('docker', ['run', '--rm', '--entrypoint', 'ls', BASE_TAG, '/usr/local/share/ca-certificates'], { encoding: 'utf8' }).trim();
    expect(certs.split('\n').filter(Boolean).sort()).toEqual(localBaseRecipe({}, BASE_REPOSITORY).caCerts.map((c) => c.split('/').pop()).sort());
    expect(projectContainers(repo!)).toHaveLength(1);

    const second = await qms(repo!, ['up', '--no-attach', '--json'], { env: NO_BASE });
    expect(second.code, transcript(second)).toBe(0);
    const again = outputLines(second, 'build');
    expect(again).toContain(`base: python:3.11-slim is not here; using the local Debian base ${BASE_TAG}`);
    expect(again.some((l) => l.startsWith('building the local Debian base'))).toBe(false);
    expect(second.events.find((e) => e.type === 'task:skip' && e.task === 'build')?.reason).toMatch(/^image .* is up to date/);
    expect(imageId(BASE_TAG)).toBe(baseId);

    const down = await qms(repo!, ['down', '--json']);
    expect(down.code, transcript(down)).toBe(0);
    expect(down.events.find((e) => e.type === 'task:skip' && e.task === 'engine:down')?.reason).toBe('qms started no Docker engine here');
  }, 1_200_000);
});

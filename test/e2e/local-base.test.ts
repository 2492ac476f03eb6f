/**
 * A machine without a registry and without a base image: `qms up --no-attach` with no
 * QMS_BASE_IMAGE builds the local Debian base itself (debootstrap, once), builds the agent
 * image on it and verifies from inside the container; a second `up` finds the base by its
 * content-addressed tag and reuses everything. A test-only base repository and image tag, so
 * the shared `qms-base:bookworm` and `qms-agent:e2e` of concurrent tests are left alone; the
 * registry is never tried (`pull: false`: tests make no pulls).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBaseRecipe } from '../../plugins/docker-image/local-base-recipe.js';
import { cleanupRepo, currentVerification, e2eConfig, ensureBuilt, IMAGE_TAG, makeE2eRepo, outputLines, qms, transcript, type E2eRepo } from './harness.js';

const BASE_REPOSITORY = `qms-base-e2e-${process.pid}`;
const IMAGE = `qms-agent:e2e-local-base-${process.pid}`;
const { tag: BASE_TAG } = localBaseRecipe({}, BASE_REPOSITORY);
// No QMS_BASE_IMAGE for qms (an empty value is "not configured").
const NO_BASE = { QMS_BASE_IMAGE: '' };

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
  const config = e2eConfig(repo.name, repo.qmsPort, repo.gitPort)
    .replaceAll(JSON.stringify(IMAGE_TAG), JSON.stringify(IMAGE))
    .replace('dockerImage({ ', `dockerImage({ localBase: { repository: ${JSON.stringify(BASE_REPOSITORY)}, pull: false }, `);
  expect(config).toContain(`repository: "${BASE_REPOSITORY}"`);
  repo.write('qms.config.ts', config);
  repo.git('commit', '-qam', 'config: a test-only base repository and image');
  if (imageId(BASE_TAG)) rmi(BASE_TAG);
});
afterAll(async () => {
  await cleanupRepo(repo);
  for (const tag of [IMAGE, BASE_TAG]) if (imageId(tag)) rmi(tag);
}, 120_000);

describe('qms up on a machine with no base image and no QMS_BASE_IMAGE', () => {
  it('builds the local Debian base once, builds on it and verifies; a second up reuses it', async () => {
    expect(imageId(BASE_TAG)).toBeUndefined();
    const first = await qms(repo!, ['up', '--no-attach', '--json'], { env: NO_BASE });
    expect(first.code, transcript(first)).toBe(0);
    const build = outputLines(first, 'build');
    expect(build).toContain(`building the local Debian base ${BASE_TAG} once: ` + build.find((l) => l.startsWith(`building the local Debian base ${BASE_TAG} once: `))!.split(' once: ')[1]);
    expect(build.some((l) => /^I: (Retrieving|Validating|Extracting|Installing)/.test(l)), 'debootstrap progress streamed').toBe(true);
    expect(build.some((l) => l.startsWith(`base: built ${BASE_TAG}`))).toBe(true);
    expect(build.some((l) => l.startsWith(`building ${IMAGE} from `) && l.includes(`(base ${BASE_TAG},`))).toBe(true);
    const baseId = imageId(BASE_TAG);
    expect(baseId).toBeDefined();
    // The agent image really stands on it: its history ends in the imported base layer.
    const history = execFileSync('docker', ['history', '-q', '--no-trunc', IMAGE], { encoding: 'utf8' }).trim().split('\n');
    expect(history).toContain(baseId);
    expect(currentVerification(repo!).report.result).toBe('pass');

    const second = await qms(repo!, ['up', '--no-attach', '--json'], { env: NO_BASE });
    expect(second.code, transcript(second)).toBe(0);
    const again = outputLines(second, 'build');
    expect(again).toContain(`base: python:3.11-slim is not here; using the local Debian base ${BASE_TAG}`);
    expect(again.some((l) => l.startsWith('building the local Debian base'))).toBe(false);
    expect(second.events.find((e) => e.type === 'task:skip' && e.task === 'build')?.reason).toMatch(/^image .* is up to date/);
    expect(imageId(BASE_TAG)).toBe(baseId);
  }, 1_200_000);
});

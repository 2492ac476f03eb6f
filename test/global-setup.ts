/**
 * The test run's set-up (vitest globalSetup), so `npm test` alone passes on a fresh machine:
 * a Docker engine answers (started through the same code as `qms up --start-engine` when none
 * does) and a base image exists — `QMS_BASE_IMAGE` when set, else the local Debian base the
 * build task would use (built once, same code path), exported to the test workers as
 * `QMS_BASE_IMAGE`. Says what it does, one line each.
 */
import { ensureEngine } from '../plugins/docker-engine/ensure-engine.js';
import { connectDocker } from '../plugins/docker-engine/client.js';
import { inspectImage } from '../plugins/docker-image/image-build.js';
import { ensureLocalBase } from '../plugins/docker-image/local-base.js';

const say = (line: string) => console.log(`test set-up: ${line}`);

export default async function setup(): Promise<void> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const started = await ensureEngine(env, 'yes', { info: say });
  if (!started) say('the Docker engine answers');
  const docker = await connectDocker(env);
  const configured = env.QMS_BASE_IMAGE;
  if (configured && (await inspectImage(docker, configured))) {
    say(`base image ${configured} (QMS_BASE_IMAGE)`);
    return;
  }
  if (configured) say(`QMS_BASE_IMAGE=${configured} is not here; using the local Debian base instead`);
  const base = await ensureLocalBase(docker, env, { onLine: () => undefined, info: say });
  // Workers are started after this and inherit it: every test builds on this base.
  process.env.QMS_BASE_IMAGE = base.tag;
  say(`base image ${base.tag}${base.built ? ' (built now)' : ''}, exported as QMS_BASE_IMAGE`);
}

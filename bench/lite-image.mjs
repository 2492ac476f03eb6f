// Shared by the benchmarks that run the container plugin's light agent image (container, api):
// building it (the same recipe as plugins/container/test/lite-image.ts), and timing one call.
import { defaultAgentUser } from '../dist/plugins/container/options.js';
import { pkg } from './bench-project.mjs';

/** `[ms, result]` of one awaited call. */
export const time = async (fn) => {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};

/** Builds the light agent image (entrypoint and health check on the local base) as `tag`. */
export async function buildLiteImage(docker, tag) {
  const { uid, gid } = defaultAgentUser();
  const dockerfile = 'plugins/container/test/fixtures/agent-lite/Dockerfile';
  const build = await docker.buildImage(
    { context: pkg, src: [dockerfile, 'docker/entrypoint.sh', 'docker/healthcheck.sh', 'docker/mcp-headers.sh'] },
    { t: tag, dockerfile, buildargs: { BASE_IMAGE: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', AGENT_UID: String(uid), AGENT_GID: String(gid) } },
  );
  await new Promise((res, rej) => docker.modem.followProgress(build, (err, out) => (err || out.find((o) => o.error) ? rej(err ?? new Error(out.find((o) => o.error).error)) : res())));
}

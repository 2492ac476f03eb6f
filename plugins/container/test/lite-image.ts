/**
 * Builds (once per tag) the light agent image the container tests run: the real entrypoint and
 * health check on the local Debian base, with the agent uid the plugin will use.
 */
import type Docker from 'dockerode';
import { fileURLToPath } from 'node:url';
import { defaultAgentUser } from '../options.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export async function buildLiteImage(docker: Docker, tag: string): Promise<string> {
  const { uid, gid } = defaultAgentUser();
  const stream = await docker.buildImage(
    { context: repoRoot, src: ['plugins/container/test/fixtures/agent-lite/Dockerfile', 'docker/entrypoint.sh', 'docker/healthcheck.sh', 'docker/mcp-headers.sh'] },
    {
      t: tag,
      dockerfile: 'plugins/container/test/fixtures/agent-lite/Dockerfile',
      buildargs: { BASE_IMAGE: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', AGENT_UID: String(uid), AGENT_GID: String(gid) },
      labels: { 'qms.test': 'container' },
      rm: true,
      forcerm: true,
    },
  );
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err, output) => {
      const failed = (output as Array<{ error?: string }> | undefined)?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    }),
  );
  return (await docker.getImage(tag).inspect()).Id;
}

/**
 * `node dist/plugins/docker-image/base-image-main.js [TAG]` (what `npm run docker:base` runs):
 * build the local Debian base ahead of time — the same code and content-addressed tag the
 * build task uses — and, given TAG, tag it that too. Prints the tag; exit 1 with the fix.
 */
import { QmsError } from '../../tasks/errors.js';
import { connectDocker } from '../docker-engine/client.js';
import { ensureLocalBase } from './local-base.js';

const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const alias = process.argv[2];
try {
  const docker = await connectDocker(env);
  const base = await ensureLocalBase(docker, env, { onLine: (line) => console.log(`  ${line}`), info: (line) => console.log(`base image: ${line}`) });
  console.log(`base image: ${base.built ? 'built' : 'already here:'} ${base.tag}`);
  if (alias && alias !== base.tag) {
    const at = alias.lastIndexOf(':');
    const [repo, tag] = at > alias.lastIndexOf('/') ? [alias.slice(0, at), alias.slice(at + 1)] : [alias, 'latest'];
    await docker.getImage(base.tag).tag({ repo, tag });
    console.log(`base image: tagged ${alias}`);
  }
} catch (err) {
  console.error(`base image: ${(err as Error).message}`);
  if (err instanceof QmsError && err.hint) console.error(`  hint: ${err.hint}`);
  process.exitCode = 1;
}

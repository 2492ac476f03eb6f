/**
 * `node dist/plugins/docker-engine/engine-main.js` (what `npm run docker:engine` runs): make
 * sure a Docker engine answers, starting dockerd when none does — running it is the consent.
 * Exit 0 when one answers, 1 with the reason and fix otherwise.
 */
import { QmsError } from '../../tasks/errors.js';
import { ensureEngine } from './ensure-engine.js';

const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
try {
  const started = await ensureEngine(env, 'yes', { info: (line) => console.log(line) });
  if (!started) console.log('docker engine: running');
} catch (err) {
  console.error(`docker engine: ${(err as Error).message}`);
  if (err instanceof QmsError && err.hint) console.error(`  hint: ${err.hint}`);
  process.exitCode = 1;
}

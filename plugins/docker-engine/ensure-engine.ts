/**
 * Makes sure a Docker engine answers, starting one only with the user's consent: `yes`
 * (`qms up --start-engine`, `npm run docker:engine`, the test set-up), `ask` (a terminal:
 * the question names what will run), or `no` (CI, no terminal: today's error and hint, plus
 * the flag that would start it). Never starts a daemon silently.
 */
import { QmsError } from '../../tasks/errors.js';
import type { Env } from '../../tasks/types.js';
import { dockerAddress } from './client.js';
import { engineAnswers } from './engine-ping.js';
import { engineStartability, startEngine, type StartedEngine } from './start-engine.js';

export type Consent = 'yes' | 'ask' | 'no';

export interface EnsureEngineIo {
  info: (line: string) => void;
  /** Asked only with consent `ask`. */
  ask?: (question: string) => Promise<boolean>;
  /** The socket qms starts an engine for (default /var/run/docker.sock; tests point elsewhere). */
  defaultSocket?: string;
}

/** Undefined when an engine already answered; what was started otherwise. */
export async function ensureEngine(env: Env, consent: Consent, io: EnsureEngineIo): Promise<StartedEngine | undefined> {
  if (await engineAnswers(env)) return undefined;
  const address = dockerAddress(env);
  const start = engineStartability(env, io.defaultSocket);
  if (!start.can) {
    throw new QmsError(`The Docker engine at ${address} does not answer, and qms can't start one: ${start.why}`, start.fix);
  }
  const what = `${start.via === 'sudo' ? 'sudo ' : ''}dockerd --iptables=false --ip-forward=false in the background (log ${start.log})`;
  if (consent === 'no' || (consent === 'ask' && !io.ask)) {
    throw new QmsError(
      `The Docker engine at ${address} does not answer.`,
      `Start one: \`npx qms up --start-engine\` (or \`npm run docker:engine\`) runs ${what}; or \`sudo systemctl start docker\`.`,
    );
  }
  if (consent === 'ask' && !(await io.ask!(`No Docker engine answers at ${address}. Start ${what}?`))) {
    throw new QmsError(`The Docker engine at ${address} does not answer (not started: you said no).`, `Start it yourself (\`sudo systemctl start docker\`), or run \`npx qms up --start-engine\`.`);
  }
  io.info(`docker engine: none answers at ${address}; starting ${what}`);
  const started = await startEngine(env, start);
  io.info(`docker engine: dockerd (pid ${started.pid}) answers; it keeps running after qms exits`);
  return started;
}

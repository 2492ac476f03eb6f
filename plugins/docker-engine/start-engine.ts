/**
 * Starting a Docker engine on this Linux host: Debian's `dockerd` in the background, as root
 * (directly or `sudo -n`), with `--iptables=false --ip-forward=false` so containers reach the
 * host's bridge address (host.docker.internal) and nothing beyond it; its output goes to a
 * log file. The one implementation behind `qms up`, `npm run docker:engine` and the tests.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import type { Env } from '../../tasks/types.js';
import { dockerAddress, engineSocket } from './client.js';
import { engineAnswers } from './engine-ping.js';
import { asRoot, findCommand, rootVia, type RootVia } from './privileged.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const DOCKERD_ARGS = ['--iptables=false', '--ip-forward=false'] as const;
const PID_FILE = '/var/run/docker.pid';

export type Startability = { can: true; via: RootVia; dockerd: string; log: string } | { can: false; why: string; fix: string };

/** Where dockerd's output goes: `QMS_DOCKERD_LOG`, else /var/log (root) or the temp folder. */
export function dockerdLog(env: Env, via: RootVia | undefined): string {
  return env.QMS_DOCKERD_LOG || (via === 'root' ? '/var/log/qms-dockerd.log' : join(tmpdir(), 'qms-dockerd.log'));
}

/** May qms start an engine here, and how? Linux, the default socket, dockerd installed, root available. */
export function engineStartability(env: Env, defaultSocket = DEFAULT_SOCKET): Startability {
  if (process.platform !== 'linux') {
    return { can: false, why: `qms starts an engine only on Linux (this is ${process.platform}).`, fix: 'Start Docker Desktop (or your engine), or set DOCKER_HOST to where one listens.' };
  }
  if (engineSocket(env) !== defaultSocket) {
    return { can: false, why: `DOCKER_HOST names ${dockerAddress(env)}, not the local default socket.`, fix: 'Start the engine that listens there, or unset DOCKER_HOST.' };
  }
  const dockerd = findCommand('dockerd');
  if (!dockerd) {
    return { can: false, why: 'dockerd is not installed.', fix: 'Install an engine (`sudo apt-get install docker.io`, then `npx qms up` offers to start it), or set DOCKER_HOST.' };
  }
  const via = rootVia();
  if (!via) {
    return { can: false, why: 'starting dockerd needs root, and sudo asks for a password.', fix: 'Start it yourself (`sudo systemctl start docker`, or `sudo npm run docker:engine`), or set DOCKER_HOST.' };
  }
  return { can: true, via, dockerd, log: dockerdLog(env, via) };
}

export interface StartedEngine {
  /** dockerd's pid (from /var/run/docker.pid), or the launcher's when that can't be read. */
  pid: number;
  log: string;
  via: RootVia;
  command: string;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts dockerd detached and waits (up to `timeoutMs`) until it answers on the socket. */
export async function startEngine(env: Env, start: Extract<Startability, { can: true }>, timeoutMs = 60_000): Promise<StartedEngine> {
  const [cmd, args] = asRoot(start.via, start.dockerd, [...DOCKERD_ARGS]);
  const fd = openSync(start.log, 'a', 0o640);
  let exited: number | null | undefined;
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('exit', (code) => (exited = code));
  child.once('error', () => (exited = -1));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await engineAnswers(env, 1_000)) {
      const pid = Number(readText(PID_FILE)) || child.pid || 0;
      return { pid, log: start.log, via: start.via, command: [start.dockerd, ...DOCKERD_ARGS].join(' ') };
    }
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new QmsError(
    `dockerd ${exited !== undefined ? `exited (${exited})` : `did not answer within ${Math.round(timeoutMs / 1000)} s`}; last lines of ${start.log}:\n${tail(start.log)}`,
    'Fix what the log says (another engine on the socket? a stale /var/run/docker.pid?), then run again.',
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * End-to-end harness: a temporary QMS repository wired with the real plugins (own project
 * name, free ports, the real Dockerfile), the real `qms` binary spawned in it, and a cleanup
 * that removes only what belongs to that project (containers and volumes by label, server
 * processes whose command line names the repository).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { qmsBin, repoRoot } from '../cli/built.js';
import { makeQmsRepo, type QmsRepo } from '../helpers/qms-repo.js';
import { freePort, isAlive } from '../helpers/processes.js';

export { freePort, isAlive };

export { ensureBuilt } from '../cli/built.js';

// QMS_BASE_IMAGE: what the test set-up (test/global-setup.ts) made sure exists.
export const BASE_ENV = { QMS_BASE_IMAGE: process.env.QMS_BASE_IMAGE ?? 'qms-base:bookworm', CI: '1' } as const;
export const IMAGE_TAG = 'qms-agent:e2e';


export function e2eConfig(name: string, qmsPort: number, gitPort: number): string {
  return `import { defineConfig, auth, dockerImage, qmsMcp, gitMcp, session, container, verify } from 'qms';
export default defineConfig({
  name: ${JSON.stringify(name)},
  plugins: [
    auth(),
    dockerImage({ context: ${JSON.stringify(join(repoRoot, 'docker'))}, tag: ${JSON.stringify(IMAGE_TAG)} }),
    qmsMcp({ port: ${qmsPort} }),
    gitMcp({ port: ${gitPort} }),
    session(),
    container({ image: ${JSON.stringify(IMAGE_TAG)}, after: ['session', 'auth'] }),
    verify(),
  ],
  chains: {
    up: ['auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'],
    down: ['container:down', 'mcp:qms:stop', 'mcp:git:stop'],
  },
});
`;
}

export interface E2eRepo extends QmsRepo {
  name: string;
  qmsPort: number;
  gitPort: number;
  volume: string;
  /** Every server pid this file has seen, so the safety net can find them after `.qms/` lost them. */
  seenPids: Set<number>;
}

export async function makeE2eRepo(name: string): Promise<E2eRepo> {
  const qmsPort = await freePort();
  const gitPort = await freePort([qmsPort]);
  const repo = makeQmsRepo(e2eConfig(name, qmsPort, gitPort), `qms-e2e-${name}-`);
  // mkdtemp makes the folder 0700: the agent (uid 1000 when we run as root) could not enter
  // its own project. A real clone is 0755.
  chmodSync(repo.root, 0o755);
  return { ...repo, name, qmsPort, gitPort, volume: `qms-${name}-claude-claude-config`, seenPids: new Set() };
}

export interface RunEventLine {
  type: string;
  task?: string;
  durationMs?: number;
  reason?: string;
  line?: string;
  stream?: string;
  ok?: boolean;
  interrupted?: boolean;
}

export interface QmsRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** NDJSON events, when run with --json. */
  events: RunEventLine[];
  wallMs: number;
}

export interface QmsRunOptions {
  env?: Record<string, string>;
  /** Called for each NDJSON event as it arrives (with the child, e.g. to interrupt it). */
  onEvent?: (event: RunEventLine, child: ChildProcess) => void;
}

/** Spawns `node bin/qms.js <args>` in the repository and collects its output and events. */
export function qms(repo: { root: string }, args: readonly string[], options: QmsRunOptions = {}): Promise<QmsRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [qmsBin, ...args], {
      cwd: repo.root,
      env: { ...process.env, ...BASE_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const events: RunEventLine[] = [];
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!args.includes('--json')) return;
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as RunEventLine;
        events.push(event);
        options.onEvent?.(event, child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, events, wallMs: performance.now() - started }));
  });
}

/** Output of a run with the task events' reasons and output lines, for failure messages. */
export function transcript(run: QmsRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout.slice(-6000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
}

/** Text of the run's task output lines (from --json events). */
export function outputLines(run: QmsRun, task?: string): string[] {
  return run.events.filter((e) => e.type === 'task:output' && (!task || e.task === task)).map((e) => e.line ?? '');
}


function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Live MCP server processes serving this repository (found in /proc, not from .qms/). */
export function serverProcesses(repo: { root: string }): Array<{ pid: number; port: number; server: string }> {
  const found: Array<{ pid: number; port: number; server: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(Number(entry));
    if (!argv || !argv.some((a) => a.endsWith('serve-main.js'))) continue;
    const rootAt = argv.indexOf('--project-root');
    if (rootAt < 0 || argv[rootAt + 1] !== repo.root) continue;
    if (!isAlive(Number(entry))) continue;
    const portAt = argv.indexOf('--port');
    found.push({ pid: Number(entry), port: Number(argv[portAt + 1]), server: argv.find((a) => a.endsWith('-mcp')) ?? '?' });
  }
  return found;
}

interface StateFile {
  entries: Record<string, { kind: string; data: Record<string, unknown> }>;
}

export function readState(repo: { root: string }): StateFile {
  const file = join(repo.root, '.qms', 'state.json');
  if (!existsSync(file)) return { entries: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as StateFile;
}

/** Pids of the MCP servers recorded in the state store, by server name. */
export function recordedPids(repo: E2eRepo): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const e of Object.values(readState(repo).entries)) {
    if (e.kind !== 'mcp-server') continue;
    const pid = e.data.pid as number;
    pids[e.data.name as string] = pid;
    repo.seenPids.add(pid);
  }
  return pids;
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Containers (any state) qms manages for this project: agents and the egress proxy (`qms.root`).
 * Not the image build's own step containers, which carry the image's `qms.project` label for a
 * moment while a build that a failed run left behind finishes in the engine.
 */
export function projectContainers(repo: E2eRepo): string[] {
  return docker('ps', '-aq', '--filter', `label=qms.project=${repo.name}`, '--filter', 'label=qms.root').split('\n').filter(Boolean);
}

/** The agents' containers (labelled with their agent): not the egress proxy. */
export function agentContainers(repo: E2eRepo): string[] {
  return docker('ps', '-aq', '--filter', `label=qms.project=${repo.name}`, '--filter', 'label=qms.agent').split('\n').filter(Boolean);
}

/** Networks labelled as this project's (the egress proxy's). */
export function projectNetworks(repo: E2eRepo): string[] {
  return docker('network', 'ls', '-q', '--filter', `label=qms.project=${repo.name}`).split('\n').filter(Boolean);
}

export function volumeExists(repo: E2eRepo): boolean {
  return docker('volume', 'ls', '-q', '--filter', `name=^${repo.volume}$`) !== '';
}

/** The session folder CURRENT_SESSION names, and its verification report. */
export function currentVerification(repo: { root: string }): { session: string; report: { result: string; checks: Array<{ id: string; result: string; actual: string }> } } {
  const sessions = join(repo.root, '.claude', 'sessions');
  const session = readFileSync(join(sessions, 'CURRENT_SESSION'), 'utf8').trim();
  const report = JSON.parse(readFileSync(join(sessions, session, 'verification.json'), 'utf8')) as {
    result: string;
    checks: Array<{ id: string; result: string; actual: string }>;
  };
  return { session, report };
}

/**
 * Tear down whatever the file left: `qms down --volumes`, then by label and by command line
 * (only processes serving this repository), then the folder.
 */
export async function cleanupRepo(repo: E2eRepo | undefined): Promise<void> {
  if (!repo) return;
  await qms(repo, ['down', '--volumes']).catch(() => undefined);
  for (const id of projectContainers(repo)) docker('rm', '-f', id);
  const pids = new Set([...repo.seenPids, ...serverProcesses(repo).map((p) => p.pid)]);
  for (const f of ['qms.pid', 'git.pid']) {
    const text = existsSync(join(repo.root, '.qms', 'mcp', f)) ? readFileSync(join(repo.root, '.qms', 'mcp', f), 'utf8') : '';
    if (/^\d+\s*$/.test(text)) pids.add(Number(text));
  }
  for (const pid of pids) {
    // Only a process that serves this repository: a stale pid may now be anyone's.
    const argv = cmdline(pid);
    if (argv?.some((a) => a.endsWith('serve-main.js')) && argv.includes(repo.root)) process.kill(pid, 'SIGKILL');
  }
  if (volumeExists(repo)) docker('volume', 'rm', '-f', repo.volume);
  // The egress proxy's networks (their containers are gone by now).
  for (const id of projectNetworks(repo)) docker('network', 'rm', id);
  rmSync(repo.root, { recursive: true, force: true });
}

/**
 * Running qms-cli for one tool call: `<python> <qms.py> --user <identity> <command> …` with argv
 * (never a shell), cwd the project root, stdin closed, a timeout, a small environment (none
 * of the server's secrets, no `QMS_USER`), output capped; one call at a time per server, since
 * qms-cli itself has no locking and several agents share the server.
 */
import { spawn } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import { DEFAULT_QMS_CLI_SCRIPT } from './qms-cli-markers.js';

export interface QmsCli {
  root: string;
  /** Interpreter: a path or a name looked up on PATH. */
  python: string;
  /** Absolute path of `qms.py`. */
  script: string;
  timeoutMs: number;
}

export interface CliResult {
  code: number;
  /** stdout then stderr, as the CLI printed them. */
  output: string;
}

const MAX_OUTPUT = 4 * 1024 * 1024;

/** The variables the CLI gets: enough for Python and locale, nothing from the project's env. */
function cliEnv(): Record<string, string> {
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' };
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

let queue: Promise<unknown> = Promise.resolve();

/** One qms-cli run; resolves with its exit code and output (a timeout or spawn failure is a QmsError). */
export function runQmsCli(cli: QmsCli, user: string, args: readonly string[]): Promise<CliResult> {
  const run = queue.then(() => runOnce(cli, [cli.script, '--user', user, ...args]));
  queue = run.catch(() => undefined);
  return run;
}

/** `python qms.py <argv…>` once, without a user (e.g. the start-up check). */
export function runOnce(cli: QmsCli, argv: readonly string[]): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cli.python, argv, { cwd: cli.root, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (size >= MAX_OUTPUT) {
        truncated = true;
        return;
      }
      size += chunk.length;
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, cli.timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new QmsError(
          e.code === 'ENOENT' ? `cannot run qms-cli: Python interpreter ${cli.python} not found` : `cannot run qms-cli: ${e.message}`,
          'Install python3 (with PyYAML), or give the interpreter: qmsMcp({ python: ".venv/bin/python" }).',
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new QmsError(`qms-cli did not finish within ${cli.timeoutMs} ms (${argv.slice(1, 4).join(' ')} …); it was stopped`, 'Try again; if it keeps happening, run the same command with qms-cli on the host to see why.'));
        return;
      }
      const text = Buffer.concat(out).toString('utf8') + Buffer.concat(err).toString('utf8');
      resolvePromise({ code: code ?? (signal ? 128 : 1), output: truncated ? `${text}\n[output truncated at ${MAX_OUTPUT} bytes]` : text });
    });
  });
}

export interface LocateOptions {
  root: string;
  /** `qms.py` relative to the root (or absolute); default `qms-cli/qms.py`. */
  script?: string;
  /** Interpreter; default `<root>/.venv/bin/python` when present, else `python3`. */
  python?: string;
  timeoutMs?: number;
}

/** Where qms-cli is for this project, or undefined when its `qms.py` is not there. */
export async function locateQmsCli(o: LocateOptions): Promise<QmsCli | undefined> {
  const script = resolve(o.root, o.script ?? DEFAULT_QMS_CLI_SCRIPT);
  const st = await lstat(script).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) throw new QmsError(`qms-cli: ${script} is a folder, not qms.py`, 'Point qmsCli at the qms.py file, e.g. qmsMcp({ qmsCli: "qms-cli/qms.py" }).');
  let python = o.python;
  if (python === undefined) {
    const venv = join(o.root, '.venv', 'bin', 'python');
    python = (await lstat(venv).then(() => true, () => false)) ? venv : 'python3';
  } else if (python.includes('/') && !isAbsolute(python)) python = resolve(o.root, python);
  return { root: o.root, python, script, timeoutMs: o.timeoutMs ?? 30_000 };
}

/** Fails now (not on the first tool call) when qms-cli cannot run: interpreter, PyYAML, a broken qms.py. */
export async function checkQmsCliRuns(cli: QmsCli): Promise<void> {
  const r = await runOnce(cli, [cli.script, '--help']);
  if (r.code !== 0) {
    const tail = r.output.trim().split('\n').slice(-8).join('\n');
    const yaml = /No module named ['"]?yaml/.test(r.output);
    throw new QmsError(
      `qms-cli cannot run (${cli.python} ${cli.script} --help exited ${r.code}):\n${tail}`,
      yaml ? 'Install PyYAML for that interpreter (Debian: apt-get install python3-yaml; a venv: .venv/bin/pip install pyyaml).' : 'Run the same command on the host and fix what it reports.',
    );
  }
}

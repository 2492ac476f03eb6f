/**
 * The in-container probes of one verification folded into as few `docker exec`s as possible.
 * Each `docker exec` costs a round trip through the engine (~150 ms here), and several at once
 * contend in the engine, so the checks do not exec themselves: they hand their sh script to the
 * batch, which runs every script submitted while the other checks are busy on the host in ONE
 * exec, each script in its own subshell in parallel (stdout, stderr and exit code kept apart).
 *
 * A check taking part registers (`join`); the batch runs once every registered check is either
 * waiting for its script or done, so one pass of all checks is one exec. A script from a check
 * that did not join (or a second script of one) only makes an extra exec, never a wrong result.
 * A joined check must run its in-container probes through the batch (`VerifyTarget.probe`):
 * one that execs on its own holds the batch until it is done.
 *
 * Values a script needs (URLs, tokens) reach it on the exec's stdin, one line each, into
 * unexported shell variables: never in an argument, never in any process's environment — so
 * the process scan can run in the same exec as the probes that carry tokens. The script
 * follows them on stdin (BATCH_COMMAND).
 */
import { randomBytes } from 'node:crypto';
import type { Captured } from './capture-exec.js';
import { Barrier } from './barrier.js';
import { shq } from './shell-quote.js';

export interface ProbeScript {
  /** An sh script (run by the container's /bin/sh, as the agent). */
  script: string;
  /** Shell variables the script reads (names: [A-Z_][A-Z0-9_]*; values without newlines). */
  vars?: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/** Runs one combined script with `stdin`; resolves with what the exec printed. */
export type RunCombined = (script: string, stdin: string, timeoutMs: number) => Promise<Captured>;

const VAR = /^[A-Z_][A-Z0-9_]*$/;

interface Pending {
  probe: ProbeScript;
  /** How many joined checks wait for this script (several share one MCP session's: mcp-session.ts). */
  waiters: number;
  resolve: (c: Captured) => void;
  reject: (e: unknown) => void;
}

/**
 * The combined exec's command, the same for every batch: its script follows its values on
 * stdin, so the exec can start before the script is known (a start costs ~75 ms: target.ts).
 * Values are read a line each (sh's read takes a pipe a byte at a time, so `cat` gets the rest).
 */
export const BATCH_COMMAND = [
  'IFS= read -r n || exit 3',
  'i=0; while [ "$i" -lt "$n" ]; do IFS= read -r "V$i" || exit 3; i=$((i + 1)); done',
  'eval "$(cat)"',
].join('\n');

/**
 * One combined sh script: every job in a background subshell, its stdout, stderr and exit code
 * into files of its own; then, whatever the number of jobs, three process starts: `wc -c` of
 * the files, and `cat` of them all through `base64` (a start per job and file was most of a
 * batch's cost on a busy machine). The host cuts the decoded bytes by those counts. What goes
 * on stdin: the number of values, the values, then the script (BATCH_COMMAND reads them).
 */
export function combinedScript(probes: readonly ProbeScript[], tag: string): { script: string; stdin: string } {
  const lines: string[] = [];
  const jobs = probes.map((p, i) => {
    const assigns = Object.entries(p.vars ?? {}).map(([name, value]) => {
      if (!VAR.test(name)) throw new Error(`probe variable name ${JSON.stringify(name)} is not a shell variable name`);
      if (/[\n\r\0]/.test(value)) throw new Error(`probe variable ${name} holds a line break`);
      const v = `V${lines.length}`;
      lines.push(value);
      return `${name}=$${v}; `;
    });
    return `{ ( ${assigns.join('')}eval ${shq(p.script)} ) >"$D/${i}.o" 2>"$D/${i}.e" </dev/null; echo $? >"$D/${i}.c"; } &`;
  });
  const body = [
    `D=$(mktemp -d 2>/dev/null || { d=/tmp/.qms-verify-batch-$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 3`,
    `trap 'rm -rf "$D"' EXIT`,
    ...jobs,
    'wait',
    `cd "$D" || exit 3`,
    `echo ${tag}`,
    'wc -c -- *',
    `echo ${tag}-DATA`,
    'cat -- * | base64',
  ].join('\n');
  return { script: BATCH_COMMAND, stdin: [lines.length, ...lines, body].map((l) => `${l}\n`).join('') };
}

/** Each job's output, by index, from the combined script's stdout. */
export function splitCombined(stdout: string, tag: string, count: number, exitCode: number, stderr: string): Captured[] {
  const out: Captured[] = Array.from({ length: count }, () => ({ code: 255, stdout: '', stderr: `no result from the batched probe (exec exit ${exitCode}: ${stderr.trim().slice(0, 300)})` }));
  const head = stdout.indexOf(`${tag}\n`);
  const dataAt = stdout.indexOf(`\n${tag}-DATA\n`, head);
  if (head < 0 || dataAt < 0) return out;
  const files = stdout
    .slice(head + tag.length + 1, dataAt)
    .split('\n')
    .flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\.([oec])$/.exec(line);
      return m ? [{ size: Number(m[1]), job: Number(m[2]), kind: m[3] as 'o' | 'e' | 'c' }] : [];
    });
  const data = Buffer.from(stdout.slice(dataAt + tag.length + 7), 'base64');
  const found = new Map<number, { c?: string; o?: string; e?: string }>();
  let at = 0;
  for (const f of files) {
    const text = data.subarray(at, at + f.size).toString('utf8');
    at += f.size;
    if (f.job >= count) continue;
    const job = found.get(f.job) ?? {};
    job[f.kind] = text;
    found.set(f.job, job);
  }
  for (const [i, job] of found) {
    if (job.c === undefined) continue;
    out[i] = { code: Number(job.c.trim()), stdout: job.o ?? '', stderr: job.e ?? '' };
  }
  return out;
}

export class ExecBatch {
  private queue: Pending[] = [];
  private readonly barrier = new Barrier(
    () => this.queue.reduce((n, p) => n + p.waiters, 0),
    () => this.run(),
  );
  /** How many combined execs ran (for the evidence and the benchmark). */
  execs = 0;

  constructor(private readonly runCombined: RunCombined) {}

  /** Runs `fn` as a participant: the batch waits for its script (or its end) before running. */
  join<T>(fn: () => Promise<T>): Promise<T> {
    return this.barrier.join(fn);
  }

  /** Runs `probe` in the next combined exec; `waiters`: the joined checks waiting for it. */
  exec(probe: ProbeScript, waiters = 1): Promise<Captured> {
    return new Promise<Captured>((resolve, reject) => {
      this.queue.push({ probe, waiters, resolve, reject });
      this.barrier.check();
    });
  }

  private run(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.execs++;
    const tag = `QMSJOB${randomBytes(4).toString('hex')}`;
    let combined: { script: string; stdin: string };
    try {
      combined = combinedScript(batch.map((p) => p.probe), tag);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const timeoutMs = Math.max(...batch.map((p) => p.probe.timeoutMs));
    this.runCombined(combined.script, combined.stdin, timeoutMs).then(
      (c) => splitCombined(c.stdout, tag, batch.length, c.code, c.stderr).forEach((r, i) => batch[i]!.resolve(r)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}

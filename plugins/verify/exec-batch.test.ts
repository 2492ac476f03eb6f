/**
 * The probe batch, with the combined script run by the host's real /bin/sh (the container's is
 * the same Debian dash): every script of one pass of checks goes into one run, each job's
 * output and exit code come back apart, and the values handed on stdin are in no process's
 * environment or arguments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecBatch, type RunCombined } from './exec-batch.js';
import { hostSh } from '../../test/helpers/host-sh.js';

const sh: RunCombined = hostSh(process.env.PATH ?? '/usr/bin:/bin');

describe('ExecBatch', () => {
  it('runs one pass of checks in one exec, each job apart, the scripts in parallel', async () => {
    const runs: string[] = [];
    const batch = new ExecBatch((script, stdin, timeoutMs) => {
      runs.push(script);
      return sh(script, stdin, timeoutMs);
    });
    const started = Date.now();
    const [a, b, c, d] = await Promise.all([
      batch.join(() => batch.exec({ script: 'sleep 0.3; echo "a $X"; echo err-a >&2; exit 3', vars: { X: 'one two' }, timeoutMs: 5000 })),
      batch.join(async () => {
        await new Promise((r) => setTimeout(r, 50)); // busy on the host first
        return batch.exec({ script: 'sleep 0.3; printf "b\\n%s\\n" "$Y"', vars: { Y: "it's $HOME `x`" }, timeoutMs: 5000 });
      }),
      batch.join(async () => ({ code: -1, stdout: 'no probe', stderr: '' })), // a check without one
      batch.join(() => batch.exec({ script: 'trap "echo cleaned" EXIT; echo c', timeoutMs: 5000 })),
    ]);
    expect(runs).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(900); // 2 × 0.3 s sleeps side by side, not one after the other
    expect(a).toEqual({ code: 3, stdout: 'a one two\n', stderr: 'err-a\n' });
    expect(b).toEqual({ code: 0, stdout: "b\nit's $HOME `x`\n", stderr: '' });
    expect(c.stdout).toBe('no probe');
    expect(d).toEqual({ code: 0, stdout: 'c\ncleaned\n', stderr: '' });
    expect(batch.execs).toBe(1);
  });

  it('keeps a dozen jobs apart (10.o sorts before 2.o), with any bytes, empty outputs and lines that look like its own', async () => {
    const batch = new ExecBatch(sh);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        batch.join(() => batch.exec({ script: i % 3 === 0 ? `exit ${i}` : `printf 'job %s é\\t\\n  12 0.o\\n' ${i}; printf 'e%s' ${i} >&2; exit ${i}`, timeoutMs: 5000 })),
      ),
    );
    expect(batch.execs).toBe(1);
    results.forEach((r, i) => expect(r).toEqual(i % 3 === 0 ? { code: i, stdout: '', stderr: '' } : { code: i, stdout: `job ${i} é\t\n  12 0.o\n`, stderr: `e${i}` }));
  });

  it('a second round (a check that probes again) is a second exec', async () => {
    const batch = new ExecBatch(sh);
    const out = await batch.join(async () => {
      const first = await batch.exec({ script: 'echo 1', timeoutMs: 5000 });
      const second = await batch.exec({ script: 'echo 2', timeoutMs: 5000 });
      return first.stdout + second.stdout;
    });
    expect(out).toBe('1\n2\n');
    expect(batch.execs).toBe(2);
  });

  it('hands values on stdin: in no argument and no environment of any process of the batch', async () => {
    const secret = `tok-${Math.random().toString(36).slice(2)}-0123456789`;
    const dir = mkdtempSync(join(tmpdir(), 'qms-batch-'));
    const batch = new ExecBatch(sh);
    // Counted by the shell itself (a grep would carry the needle in its own arguments).
    const scan = 'n=0; for p in /proc/[0-9]*; do cat $p/cmdline $p/environ 2>/dev/null; done | tr "\\0" "\\n" > "$TMPDIR_/s"; while IFS= read -r l; do case $l in *"$NEEDLE"*) n=$((n+1));; esac; done < "$TMPDIR_/s"; echo $n';
    const [found, used] = await Promise.all([
      batch.join(() => batch.exec({ script: scan, vars: { NEEDLE: secret.slice(0, 12), TMPDIR_: dir }, timeoutMs: 5000 })),
      batch.join(() => batch.exec({ script: 'sleep 0.2; [ -n "$T" ] && echo has-token', vars: { T: secret }, timeoutMs: 5000 })),
    ]);
    expect(used.stdout).toBe('has-token\n');
    // Control: the same scan finds the value once a job exports it.
    const [leaked] = await Promise.all([
      batch.join(() => batch.exec({ script: `while [ ! -e "$TMPDIR_/up" ]; do sleep 0.05; done; ${scan}; touch "$TMPDIR_/done"`, vars: { NEEDLE: secret.slice(0, 12), TMPDIR_: dir }, timeoutMs: 10_000 })),
      batch.join(() => batch.exec({ script: 'env LEAK="$T" sh -c \'touch "$1/up"; while [ ! -e "$1/done" ]; do sleep 0.05; done\' - "$D_"', vars: { T: secret, D_: dir }, timeoutMs: 10_000 })),
    ]);
    rmSync(dir, { recursive: true, force: true });
    expect(found.stdout.trim()).toBe('0');
    expect(Number(leaked.stdout.trim())).toBeGreaterThan(0);
  });

  it('refuses a value with a line break or a bad variable name, failing only that pass', async () => {
    const batch = new ExecBatch(sh);
    await expect(batch.exec({ script: 'true', vars: { T: 'a\nb' }, timeoutMs: 5000 })).rejects.toThrow(/line break/);
    await expect(batch.exec({ script: 'true', vars: { 'A;B': 'x' }, timeoutMs: 5000 })).rejects.toThrow(/variable name/);
    expect((await batch.exec({ script: 'echo ok', timeoutMs: 5000 })).stdout).toBe('ok\n');
  });

  it('a job that prints nothing, or a run that dies, still answers every job', async () => {
    const dying = new ExecBatch(async () => ({ code: 137, stdout: '', stderr: 'killed' }));
    const r = await dying.exec({ script: 'echo never', timeoutMs: 5000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/no result from the batched probe \(exec exit 137: killed\)/);
  });
});

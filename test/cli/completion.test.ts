/** `qms completion bash|zsh|fish`: the bash script parses (`bash -n`) and completes through compgen with the real binary. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, qmsBin, repoRoot } from './built.js';
import { runQms } from './run-qms.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'cli');
const bin = mkdtempSync(join(tmpdir(), 'qms-completion-'));
beforeAll(() => {
  ensureBuilt();
  // `qms` on PATH, as an installed qms would be.
  writeFileSync(join(bin, 'qms'), `#!/bin/sh\nexec "${process.execPath}" "${qmsBin}" "$@"\n`);
  chmodSync(join(bin, 'qms'), 0o755);
}, 300_000);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Source the bash script and complete `words` (the last one being typed) as bash would. */
function complete(script: string, words: string[], cwd = fixture): string[] {
  const line = ['qms', ...words];
  const program = `${script}\nCOMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _qms_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['-c', program], { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

describe('qms completion', () => {
  it('bash: the script parses and completes commands, options, task, chain and agent names', async () => {
    const r = await runQms(['completion', 'bash'], { cwd: fixture });
    expect(r.code).toBe(0);
    const check = spawnSync('bash', ['-n'], { input: r.stdout, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(complete(r.stdout, ['ta'])).toEqual(['task']);
    expect(complete(r.stdout, ['task', 'he'])).toEqual(['hello']);
    expect(complete(r.stdout, ['task', 'hello', 'ch'])).toEqual(['chatty', 'checks']);
    expect(complete(r.stdout, ['graph', 'chec'])).toEqual(['checks']);
    expect(complete(r.stdout, ['task', '--keep'])).toEqual(['--keep-going']);
    expect(complete(r.stdout, ['--output', ''])).toEqual(['full', 'failed', 'none']);
    expect(complete(r.stdout, ['up', ''])).toEqual(['claude']);
    // A plugin's commands (a third-party one too) complete once its config is in use.
    expect(complete(r.stdout, ['-c', join(repoRoot, 'test/cli/plugin-commands/qms.config.ts'), 'st'])).toEqual(['status', 'stamp']);
  });

  it('zsh and fish scripts are printed; an unknown shell is a usage error', async () => {
    const zsh = await runQms(['completion', 'zsh'], { cwd: fixture });
    expect(zsh.stdout).toMatch(/^#compdef qms\n/);
    expect(zsh.stdout).toContain('qms __complete');
    const fish = await runQms(['completion', 'fish'], { cwd: fixture });
    expect(fish.stdout).toContain("complete -c qms -f -a '(__qms_complete)'");
    const bad = await runQms(['completion', 'tcsh'], { cwd: fixture });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no completion for shell "tcsh"');
  });
});

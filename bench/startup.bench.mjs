// Start-up cost of the CLI: `qms --version` and `qms list` on this repository's config, against
// `node -e 0` measured in the same run. Median of N runs each, interleaved to share noise.
// `qms list` is measured warm (the compiled config kept in .qms/config-cache, as after any
// earlier run) and cold (that cache emptied before each run: jiti evaluates the config).
// Two rows say where the rest goes: importing qms's entry alone (what the config's
// `import … from 'qms'` costs: every plugin's factory and zod) and `qms list` on a plain .mjs
// config with one task that imports nothing (qms's own cost).
// Goal (issue 13): qms list <= 1.50x, qms --version <= 1.30x `node -e 0`.
// BENCH_BASELINE_BIN=/path/to/other/bin/qms.js adds the same commands of another build (e.g. a
// checkout of an older commit) to the same run, on the same config.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'qms.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const baseline = process.env.BENCH_BASELINE_BIN;
const dropKept = () => rmSync(join(root, '.qms', 'config-cache'), { recursive: true, force: true });
const plain = mkdtempSync(join(tmpdir(), 'qms-bench-startup-'));
writeFileSync(join(plain, 'qms.config.mjs'), "export default { tasks: [{ name: 'hello', run() {} }] };\n");
process.on('exit', () => rmSync(plain, { recursive: true, force: true }));

/** `node` arguments that import the package entry of the qms checkout at `dir` and nothing else. */
const importEntry = (dir) => ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(dir, 'dist', 'index.js')).href)})`];

const cases = {
  'node -e 0': { args: ['-e', '0'] },
  'qms --version': { args: [bin, '--version'] },
  'qms list': { args: [bin, 'list'] },
  'qms list (cold)': { args: [bin, 'list'], before: dropKept },
  'import qms entry': { args: importEntry(root) },
  'list, plain .mjs': { args: [bin, 'list'], cwd: plain },
  ...(baseline
    ? {
        'baseline --version': { args: [baseline, '--version'] },
        'baseline list': { args: [baseline, 'list'] },
        'baseline plain .mjs': { args: [baseline, 'list'], cwd: plain },
        'baseline entry': { args: importEntry(join(dirname(baseline), '..')) },
      }
    : {}),
};

function once({ args, before, cwd = root }) {
  before?.();
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Warm-up: the first `qms list` fills jiti's transform cache and keeps the compiled config.
for (const c of Object.values(cases)) once(c);
once(cases['qms list']);
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [k, c] of Object.entries(cases)) samples[k].push(once(c));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples['node -e 0']);
console.log(`start-up, median of ${runs} runs (config: ${join(root, 'qms.config.ts')})`);
for (const k of Object.keys(cases)) {
  const m = median(samples[k]);
  console.log(`  ${k.padEnd(20)} ${m.toFixed(1).padStart(7)} ms   ${(m / base).toFixed(2)}x node -e 0`);
}
if (baseline) console.log(`  baseline: ${baseline}`);
console.log('  goal: qms list <= 1.50x, qms --version <= 1.30x node -e 0');

// Start-up cost of the CLI: `qms --version` and `qms list` on this repository's config, against
// `node -e 0` measured in the same run. Median of N runs each, interleaved to share noise.
// Goal: at most 2x `node -e 0`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'qms.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);

const cases = {
  'node -e 0': ['-e', '0'],
  'qms --version': [bin, '--version'],
  'qms list': [bin, 'list'],
};

function once(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// Warm-up: the first `qms list` fills jiti's transform cache for qms.config.ts.
for (const args of Object.values(cases)) once(args);
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [k, args] of Object.entries(cases)) samples[k].push(once(args));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples['node -e 0']);
console.log(`start-up, median of ${runs} runs (config: ${join(root, 'qms.config.ts')})`);
for (const k of Object.keys(cases)) {
  const m = median(samples[k]);
  console.log(`  ${k.padEnd(14)} ${m.toFixed(1).padStart(7)} ms   ${(m / base).toFixed(2)}x node -e 0`);
}
console.log('  goal: qms list and qms --version <= 2.00x node -e 0');

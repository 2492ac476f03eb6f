// Benchmark: `qms task build` on an unchanged context (the up-to-date path: walk + hash the
// context, one image inspect, task skipped) against `docker build` of the same context fully
// cached, both as whole processes; plus the plugin's task in-process. Goal: ratio <= 0.2x.
// Needs the engine, `npm run build`, and a base image (QMS_BASE_IMAGE, default qms-base:bookworm).
// Usage: node bench/build.bench.mjs [runs]. Keeps the image qms-agent:bench so reruns stay cached.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 7);
const base = process.env.QMS_BASE_IMAGE || 'qms-base:bookworm';
const tag = 'qms-agent:bench';
const cliTag = 'qms-agent:bench-cli';
const env = { ...process.env, QMS_BASE_IMAGE: base };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const { dockerImage } = await import(`${repo}dist/plugins/docker-image/index.js`);
const { defaultAgentUser } = await import(`${repo}dist/plugins/container/options.js`);

// A project whose config has only the image plugin, building this repository's docker/ folder.
const project = await mkdtemp(join(tmpdir(), 'qms-build-bench-'));
const configFile = join(project, 'qms.config.mjs');
const pluginUrl = new URL('dist/plugins/docker-image/index.js', `file://${repo}`).href;
await writeFile(
  configFile,
  `import { dockerImage } from ${JSON.stringify(pluginUrl)};\n` +
    `export default { name: 'qms-build-bench', plugins: [dockerImage({ context: ${JSON.stringify(join(repo, 'docker'))}, tag: ${JSON.stringify(tag)} })] };\n`,
);
const qms = () => run(process.execPath, [join(repo, 'bin/qms.js'), 'task', 'build', '--config', configFile], { cwd: project, env });

const { uid, gid } = defaultAgentUser();
const dockerBuild = () =>
  run(
    'docker',
    ['build', '--network', 'host', '--build-arg', `BASE_IMAGE=${base}`, '--build-arg', `AGENT_UID=${uid}`, '--build-arg', `AGENT_GID=${gid}`, '-t', cliTag, join(repo, 'docker')],
    { env, maxBuffer: 64 << 20 },
  );

try {
  // Warm up: the first build may take minutes; after it both paths are fully cached.
  console.log(`build bench: warming up (${tag} via qms, ${cliTag} via docker build; base ${base})`);
  await qms();
  await dockerBuild();
  const check = await qms();
  if (!/up to date/.test(check.stdout + check.stderr)) throw new Error(`qms task build did not report "up to date":\n${check.stdout}${check.stderr}`);
  const cached = await dockerBuild();
  const steps = (cached.stdout.match(/^Step /gm) ?? []).length;
  const cacheHits = (cached.stdout.match(/Using cache/g) ?? []).length;

  const qmsTimes = [];
  const dockerTimes = [];
  const nodeTimes = [];
  for (let i = 0; i < runs; i++) {
    qmsTimes.push(await time(qms));
    dockerTimes.push(await time(dockerBuild));
    nodeTimes.push(await time(() => run(process.execPath, ['-e', '0'])));
  }

  // In-process: the plugin's task alone (config load and node start-up excluded).
  const task = dockerImage({ context: join(repo, 'docker'), tag }).tasks[0];
  const inProcess = [];
  for (let i = 0; i < runs * 3; i++) {
    let skipped;
    const ctx = {
      name: 'build', root: project, env, signal: new AbortController().signal,
      config: { name: 'qms-build-bench' },
      options: { force: false, dryRun: false, keepGoing: false, concurrency: 1, flags: {} },
      log: { info() {}, warn() {}, output() {} },
      skip(reason) { skipped = reason; throw new Error('skip'); },
    };
    inProcess.push(await time(() => task.run(ctx).catch((err) => { if (!skipped) throw err; })));
  }

  const q = median(qmsTimes);
  const d = median(dockerTimes);
  const p = median(inProcess);
  const n = median(nodeTimes);
  console.log(`docker build (CLI, fully cached, ${cacheHits}/${steps} steps from cache): median ${d.toFixed(0)} ms over ${runs} runs`);
  console.log(`qms task build (process, up to date):                  median ${q.toFixed(0)} ms  -> ratio ${(q / d).toFixed(3)}x (goal <= 0.2x)`);
  console.log(`build task in-process (walk + hash + inspect):          median ${p.toFixed(1)} ms -> ratio ${(p / d).toFixed(3)}x`);
  console.log(`(floor of any node process here: \`node -e 0\` median ${n.toFixed(0)} ms = ${(n / d).toFixed(2)}x of the docker build)`);
} finally {
  await rm(project, { recursive: true, force: true });
  await run('docker', ['image', 'rm', cliTag]).catch(() => undefined);
}

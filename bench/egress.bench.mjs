// What default-deny egress costs (issue 11), as ratios to a same-run baseline:
//  1. `qms up --no-attach`, cold (after `qms down`; image built) and warm (everything running:
//     reuse and re-verify), for a project with the policy vs the same project with
//     `network: 'open'`. The policy adds the proxy container, two networks and five checks.
//  2. A 50 MB download from a stand-in site on the proxy's outside network: from the agent
//     through the proxy vs the same download directly from the proxy's own container (the
//     same network path without the proxy in it).
// Env: QMS_BASE_IMAGE (default qms-base:bookworm), BENCH_RUNS (default 2 per mode; downloads 3).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv as env, fmt, freePort, makeBenchRepo, median, pkg, runQms as qms } from './bench-project.mjs';

const bin = join(pkg, 'bin', 'qms.js');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 2));
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

async function project(mode) {
  const qmsPort = await freePort();
  const gitPort = await freePort([qmsPort]);
  const name = `bench-egress-${mode}-${process.pid}`;
  const root = makeBenchRepo({
    name,
    qmsPort,
    gitPort,
    qmsOptions: { backend: 'builtin' },
    files: { 'CLAUDE.md': '# pipe-dream\n', 'QMS/SOP/SOP-001.md': '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001\n' },
  });
  const network = mode === 'open' ? "'open'" : "{ allow: ['site.test'] }";
  const file = join(root, 'qms.config.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace("after: ['session', 'auth']", `after: ['session', 'auth'], network: ${network}`));
  return { name, root };
}

const projects = { deny: await project('deny'), open: await project('open') };
const times = { deny: { cold: [], warm: [] }, open: { cold: [], warm: [] } };
try {
  // One untimed cold start each: the image exists and the first run's one-offs are paid.
  for (const p of Object.values(projects)) qms(p.root, ['up', '--no-attach', '--json']);
  for (let i = 0; i < runs; i++) {
    for (const mode of i % 2 ? ['open', 'deny'] : ['deny', 'open']) {
      const p = projects[mode];
      qms(p.root, ['down']);
      times[mode].cold.push(qms(p.root, ['up', '--no-attach', '--json']).wall);
      times[mode].warm.push(qms(p.root, ['up', '--no-attach', '--json']).wall);
    }
  }
  console.log(`qms up --no-attach, ${runs} runs each (median):`);
  for (const kind of ['cold', 'warm']) {
    const d = median(times.deny[kind]);
    const o = median(times.open[kind]);
    console.log(`  ${kind}: default-deny ${fmt(d)}   open ${fmt(o)}   ratio ${(d / o).toFixed(2)}x`);
  }

  // Throughput: 50 MB from a stand-in site, through the proxy vs directly from the proxy's container.
  const p = projects.deny;
  const site = `qms-${p.name}-site`;
  docker('run', '-d', '--name', site, '--label', `qms.project=${p.name}`, '--network', `qms-${p.name}-outside`, '--network-alias', 'site.test', '-u', '0', '--entrypoint', 'sh', 'qms-agent:e2e', '-c',
    'mkdir -p /tmp/site && head -c 52428800 /dev/urandom > /tmp/site/big && exec python3 -m http.server 80 --directory /tmp/site');
  for (let i = 0; i < 100 && docker('exec', site, 'sh', '-c', 'curl -s -o /dev/null -w %{http_code} http://127.0.0.1/big || true') !== '200'; i++) await new Promise((r) => setTimeout(r, 100));
  const download = (container, user, extra) => {
    const out = docker('exec', '-u', user, container, 'sh', '-c', `curl -s -o /dev/null ${extra} -w '%{time_total} %{size_download}' http://site.test/big`);
    const [t, size] = out.split(' ').map(Number);
    if (size !== 52428800) throw new Error(`downloaded ${size} bytes, not 50 MB (${out})`);
    return t * 1000;
  };
  const plain = [];
  const tunnel = [];
  const direct = [];
  for (let i = 0; i < Math.max(3, runs); i++) {
    plain.push(download(`qms-${p.name}-claude`, '1000:1000', ''));
    tunnel.push(download(`qms-${p.name}-claude`, '1000:1000', '-p'));
    direct.push(download(`qms-${p.name}-egress`, '1000:1000', "--noproxy '*'"));
  }
  const d = median(direct);
  const rate = (ms) => `${(50 / (ms / 1000)).toFixed(0)} MB/s`;
  console.log(`50 MB download (median of ${direct.length}), direct from the proxy's container: ${fmt(d)} (${rate(d)})`);
  for (const [label, xs] of [['through the proxy, plain HTTP', plain], ['through the proxy, CONNECT tunnel (as HTTPS goes)', tunnel]]) {
    const m = median(xs);
    console.log(`  ${label}: ${fmt(m)} (${rate(m)})   ratio ${(m / d).toFixed(2)}x`);
  }
  docker('rm', '-f', site);
} finally {
  for (const p of Object.values(projects)) {
    spawnSync(process.execPath, [bin, 'down', '--volumes'], { cwd: p.root, env, stdio: 'ignore' });
    rmSync(p.root, { recursive: true, force: true });
  }
}

/**
 * Finding our built-in servers for a project when their record is gone (`.qms/` moved or
 * deleted): every process whose command line is `<node> <this qms's serve-main.js> <kind>
 * … --project-root <root> …`. `qms down` stops them instead of reporting "not running" while
 * they still listen; nothing that merely mentions the path matches (argv is compared
 * field by field), so no other program is ever signalled.
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinServerEntry } from './package-root.js';
import { readProcess, type ProcessInfo } from './process-identity.js';

export async function findUnrecordedServers(root: string, kind: string): Promise<ProcessInfo[]> {
  const entry = builtinServerEntry();
  const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d)).map(Number);
  const found: ProcessInfo[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const argv: string[] = await readFile(`/proc/${pid}/cmdline`).then((b) => b.toString('utf8').split('\0'), () => []);
    const at = argv.indexOf('--project-root');
    if (argv[1] !== entry || argv[2] !== kind || at < 0 || argv[at + 1] !== root) continue;
    const info = await readProcess(pid);
    if (info && info.state !== 'Z') found.push(info);
  }
  return found;
}

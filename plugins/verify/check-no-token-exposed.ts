/**
 * No host token where a container exposes things: not in `docker inspect` (env, labels,
 * command, mounts), and not in the environment or arguments of any process inside the
 * container. The container's /proc is read from inside (as the agent) and searched on the
 * host, so the check never sends a token into the container; the evidence names which token
 * (server or file name) was found where, never the token.
 */
import type { ContainerInspectInfo } from 'dockerode';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { qmsDir } from '../../tasks/state/qms-dir.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { record, type CheckRecord } from './report.js';
import type { VerifyTarget } from './target.js';

/** Tokens shorter than this are not searched for (they would match by chance). */
const MIN_TOKEN = 12;

/** Every host token qms knows of, by a printable name: the endpoints', each `.qms/mcp/*.token` file's, GH_TOKEN. */
export async function hostTokens(root: string, endpoints: readonly McpEndpoint[], env: Readonly<Record<string, string | undefined>>): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const e of endpoints) tokens.set(`the ${e.name} MCP token`, e.token);
  const mcp = join(qmsDir(root), 'mcp');
  for (const f of await readdir(mcp).catch(() => [] as string[])) {
    if (!f.endsWith('.token')) continue;
    const t = (await readFile(join(mcp, f), 'utf8').catch(() => '')).trim();
    if (t) tokens.set(`.qms/mcp/${f}`, t);
  }
  if (env.GH_TOKEN) tokens.set('GH_TOKEN', env.GH_TOKEN);
  for (const [name, t] of tokens) if (t.length < MIN_TOKEN) tokens.delete(name);
  return tokens;
}

const found = (text: string, tokens: ReadonlyMap<string, string>): string[] => [...tokens].filter(([, t]) => text.includes(t)).map(([name]) => name);

// One record per process: `P <pid>` then its arguments and environment, one per line; an
// environment that cannot be read says `unreadable <uid>`. After the walk: `M <the scan's uid>`
// and `L <pid>` for each of those still alive (a process of the agent's uid that made itself
// not dumpable has a root-owned environ: it is named, since it could hide a token there).
const SCAN = String.raw`uid() { u=; while read -r k v rest; do [ "$k" = Uid: ] && { u=$v; break; }; done < "$1/status"; }
H=
for p in /proc/[0-9]*; do
  [ -r "$p/cmdline" ] || continue
  printf '\nP %s\n' "$p"
  tr '\0' '\n' < "$p/cmdline" 2>/dev/null
  printf '\nE\n'
  if [ -r "$p/environ" ] && tr '\0' '\n' < "$p/environ" 2>/dev/null; then :; else
    uid "$p" 2>/dev/null; printf 'unreadable %s\n' "$u"; H="$H $p"
  fi
done
uid /proc/self; printf '\nM %s\n' "$u"
for p in $H; do if [ -e "$p/status" ]; then printf 'L %s\n' "$p"; fi; done
`;

export async function checkNoTokenExposed(target: VerifyTarget, info: ContainerInspectInfo, tokens: ReadonlyMap<string, string>): Promise<CheckRecord[]> {
  const started = new Date();
  const names = [...tokens.keys()].join(', ') || 'none known';
  const inInspect = found(JSON.stringify(info), tokens);
  const inspectRecord = record(
    {
      id: 'secrets:docker-inspect',
      group: 'secrets',
      title: 'no host token in the container configuration',
      how: `docker inspect <container> (env, labels, command, mounts) searched on the host for each token (${names})`,
      expected: 'no token found',
      actual: inInspect.length ? `found: ${inInspect.join(', ')}` : `none of ${tokens.size} tokens found`,
      result: inInspect.length ? 'fail' : 'pass',
    },
    started,
  );
  const out = await target.probe({ script: SCAN, timeoutMs: 60_000 });
  const hits: string[] = [];
  let processes = 0;
  let unreadable = 0;
  const tail = out.stdout.lastIndexOf('\nM ');
  const [mine = '', ...alive] = tail < 0 ? [] : out.stdout.slice(tail + 3).trim().split('\n');
  const stillAlive = new Set(alive.map((l) => l.replace(/^L \/proc\//, '')));
  const hidden: string[] = [];
  for (const block of (tail < 0 ? out.stdout : out.stdout.slice(0, tail)).split('\nP ').slice(1)) {
    processes++;
    const head = block.slice(0, block.indexOf('\n'));
    const pid = head.replace('/proc/', '');
    const [args = '', environ = ''] = block.slice(head.length + 1).split('\nE\n');
    const closed = /^unreadable (\S*)$/.exec(environ.trim());
    if (closed) {
      // Another uid's process (the egress probes') is not the agent's to read; one of the agent's
      // own still running after the walk has made itself not dumpable (named in the record).
      if (closed[1] === mine && stillAlive.has(pid)) hidden.push(pid);
      else unreadable++;
    }
    for (const name of found(args, tokens)) hits.push(`${name} in the arguments of pid ${pid}`);
    for (const name of found(environ, tokens)) hits.push(`${name} in the environment of pid ${pid}`);
  }
  // Named, not failed: a process the verification itself starts beside the scan had a closed
  // environment too (seen in a new container, where `claude mcp list` runs), so it proves nothing.
  const closedNote = hidden.length ? `; not searchable (the agent's uid, environment closed: not dumpable): pid ${hidden.join(', ')}` : '';
  const ok = out.code === 0 && processes > 0 && hits.length === 0;
  const processRecord = record(
    {
      id: 'secrets:processes',
      group: 'secrets',
      title: "no host token in any process's arguments or environment inside the container",
      how: `docker exec -u ${target.user} <container> sh: /proc/*/cmdline and /proc/*/environ of every process, searched on the host for each token (${names})`,
      expected: 'every process read, no token found',
      actual: hits.length
        ? `found: ${hits.join('; ')}`
        : processes === 0
          ? `no process could be read (exit ${out.code}: ${out.stderr.trim().slice(0, 200)})`
          : `${processes} processes read${unreadable ? `, ${unreadable} gone before their environment was read or another uid's` : ''}; none of ${tokens.size} tokens found${closedNote}`,
      result: ok ? 'pass' : 'fail',
    },
    started,
  );
  return [inspectRecord, processRecord];
}

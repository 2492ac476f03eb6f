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

/**
 * The scan, in one process start for all of /proc (`head -v`, whatever the number of processes:
 * a start per file was most of its cost). stdout: head's output, each file as
 * `==> /proc/<pid>/<cmdline|environ> <==` then its bytes. stderr, which no process of the agent
 * writes into: `U <dir> <uid>` for each environment the scan may not read, `M <the scan's uid>`,
 * then `L <dir>` for each of those still alive after the read (a process of the agent's uid that
 * made itself not dumpable has a root-owned environ: it is named, since it could hide a token).
 */
const SCAN = String.raw`uid() { u=; while read -r k v rest; do [ "$k" = Uid: ] && { u=$v; break; }; done < "$1/status"; }
H= R=
for p in /proc/[0-9]*; do
  [ -r "$p/cmdline" ] || continue
  R="$R $p/cmdline"
  if [ -r "$p/environ" ]; then R="$R $p/environ"; else uid "$p" 2>/dev/null; printf 'U %s %s
' "$p" "$u" >&2; H="$H $p"; fi
done
head -v -c 16777216 -- $R 2>/dev/null
uid /proc/self; printf 'M %s
' "$u" >&2
for p in $H; do if [ -e "$p/status" ]; then printf 'L %s
' "$p" >&2; fi; done
`;

export interface ScannedFile {
  pid: string;
  kind: 'cmdline' | 'environ';
  /** Its bytes, NUL-separated. */
  text: string;
}

/**
 * head's output cut at its headers. A header is a line of its own after the blank line head
 * adds; one forged inside an agent's bytes only cuts them in two, both kept and searched (a
 * token holds no "==>"), so what a file is read as never decides what is searched.
 */
export function scannedFiles(stdout: string): ScannedFile[] {
  const found = [...stdout.matchAll(/(?:^|\n)==> \/proc\/(\d+)\/(cmdline|environ) <==\n/g)];
  return found.map((m, i) => ({ pid: m[1]!, kind: m[2] as ScannedFile['kind'], text: stdout.slice(m.index + m[0].length, found[i + 1]?.index ?? stdout.length) }));
}

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
  const lines = out.stderr.split('\n');
  const mine = lines.find((l) => l.startsWith('M '))?.slice(2);
  const stillAlive = new Set(lines.filter((l) => l.startsWith('L /proc/')).map((l) => l.slice('L /proc/'.length)));
  const closedEnv = new Map(
    lines.flatMap((l) => {
      const m = /^U \/proc\/(\d+) (\S*)$/.exec(l);
      return m ? [[m[1]!, m[2]!] as const] : [];
    }),
  );
  const files = scannedFiles(out.stdout);
  for (const f of files) for (const name of found(f.text, tokens)) hits.push(`${name} in the ${f.kind === 'cmdline' ? 'arguments' : 'environment'} of pid ${f.pid}`);
  const read = (kind: ScannedFile['kind']): Set<string> => new Set(files.filter((f) => f.kind === kind).map((f) => f.pid));
  const [withArgs, withEnv] = [read('cmdline'), read('environ')];
  const processes = withArgs.size;
  // An environment the scan may not read: another uid's process (the egress probes') is not the
  // agent's to read; one of the agent's own still running after the walk has made itself not
  // dumpable (named in the record). One that head could not open had ended meanwhile.
  const hidden = [...closedEnv].filter(([pid, uid]) => uid === mine && stillAlive.has(pid)).map(([pid]) => pid);
  const unreadable = closedEnv.size - hidden.length + [...withArgs].filter((pid) => !withEnv.has(pid) && !closedEnv.has(pid)).length;
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
          ? `no process could be read (exit ${out.code}: ${lines.filter((l) => !/^[UML] /.test(l)).join(' ').trim().slice(0, 200)})`
          : `${processes} processes read${unreadable ? `, ${unreadable} gone before their environment was read or another uid's` : ''}; none of ${tokens.size} tokens found${closedNote}`,
      result: ok ? 'pass' : 'fail',
    },
    started,
  );
  return [inspectRecord, processRecord];
}

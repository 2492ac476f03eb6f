/**
 * `qms logs <server> [-f]`: prints `.qms/mcp/<server>.log`; with `-f`/`--follow` keeps printing
 * what the server appends until Ctrl-C. Works for any supervised server of the project, and for
 * `egress`, the egress proxy's decision log (NDJSON with `--json`), and `api`, the project API's.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import type { PluginContext } from '../../tasks/types.js';
import { logFile, mcpDir } from './files.js';
import { egressLogFile } from '../container/egress/egress-files.js';
import { formatDecisions } from '../container/egress/egress-log.js';
import { singleTokenFiles } from './service-kind.js';
import { API_SERVICE } from '../api/names.js';

const EGRESS = 'egress';
/** Logs besides the MCP servers': the egress proxy's decisions and the project API's log. */
const OTHER_LOGS: Record<string, (root: string) => string> = {
  [EGRESS]: egressLogFile,
  [API_SERVICE]: (root) => singleTokenFiles(API_SERVICE).logFile(root, API_SERVICE),
};

async function knownServers(root: string): Promise<string[]> {
  const files = await readdir(mcpDir(root)).catch(() => [] as string[]);
  const others: string[] = [];
  for (const [name, file] of Object.entries(OTHER_LOGS)) if (await stat(file(root)).catch(() => undefined)) others.push(name);
  return [...files.filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4)), ...others].sort();
}

async function readFrom(file: string, offset: number): Promise<{ text: string; end: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < offset) offset = 0; // truncated or replaced: start over
    const buf = Buffer.alloc(size - offset);
    await handle.read(buf, 0, buf.length, offset);
    return { text: buf.toString('utf8'), end: size };
  } finally {
    await handle.close();
  }
}

export async function showLogs(ctx: PluginContext, args: readonly string[], flags: Readonly<Record<string, string | boolean | undefined>>): Promise<number> {
  const positional = args.filter((a) => !a.startsWith('-'));
  const follow = flags.f === true || flags.follow === true || args.includes('-f') || args.includes('--follow');
  const known = await knownServers(ctx.root);
  const server = positional[0];
  if (!server) {
    throw new QmsError('which server? usage: qms logs <server> [-f]', known.length ? `Servers with logs: ${known.join(', ')}.` : 'No MCP server has run in this project yet (qms up starts them).');
  }
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(server) || !known.includes(server)) {
    throw new QmsError(`no log for MCP server "${server}" in ${relative(ctx.root, mcpDir(ctx.root)) || '.'}`, known.length ? `Servers with logs: ${known.join(', ')}.` : 'No MCP server has run in this project yet (qms up starts them).');
  }
  const isEgress = server === EGRESS;
  const file = (OTHER_LOGS[server] ?? ((root: string) => logFile(root, server)))(ctx.root);
  // The decision log is read in whole lines (a line the proxy is still writing waits for the next read).
  let carry = '';
  const show = (chunk: string): void => {
    if (!isEgress) return void (chunk && ctx.log.output(chunk));
    const text = carry + chunk;
    const cut = text.lastIndexOf('\n') + 1;
    carry = text.slice(cut);
    const out = formatDecisions(text.slice(0, cut), flags.json === true);
    if (out) ctx.log.output(out);
  };
  let { text, end } = await readFrom(file, 0);
  show(text);
  if (!follow) return 0;
  while (!ctx.signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 250);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    if (size === end) continue;
    ({ text, end } = await readFrom(file, end));
    show(text);
  }
  return 0;
}

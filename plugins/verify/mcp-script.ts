/**
 * A tiny MCP client in sh + curl, run inside the container: JSON-RPC requests POSTed over
 * streamable HTTP to the container's own URL for a server, in order, keeping the
 * `mcp-session-id` from `initialize`. The bearer token is a shell variable (set from the exec's
 * stdin, exec-batch.ts) and reaches curl through its stdin config (`-K -`), so it is in no
 * process's argv or environment. The requests after `initialize` share one curl per run of them
 * (curl's own start is the cost here). `sh` steps run a shell snippet between requests (e.g.
 * editing the checked-out file).
 *
 * Process starts are what a probe costs in a container on a busy machine, so nothing is started
 * per step: curl writes each answer into a file of its own and one line per answer
 * (`M<TAB>curl exit<TAB>http status<TAB>bytes<TAB>curl error`) through its write-out; at the end
 * one `cat` prints the lines, `B`, then the answers back to back. The answers are framed by
 * their byte counts, never by a marker an answer could contain (documents and workspace
 * listings the agent wrote come back in them).
 */
import { jsonRpcResponse, MCP_PROTOCOL_VERSION, toolText } from '../mcp-server/jsonrpc-body.js';
import { shq } from './shell-quote.js';

export type McpStep =
  | { kind: 'rpc'; name: string; body: Record<string, unknown> }
  | { kind: 'sh'; name: string; script: string };

export const initializeSteps = (id: number): McpStep[] => [
  {
    kind: 'rpc',
    name: 'initialize',
    body: { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: MCP_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'qms-verify', version: '1' } } },
  },
  { kind: 'rpc', name: 'notifications/initialized', body: { jsonrpc: '2.0', method: 'notifications/initialized' } },
];

export const toolCall = (id: number, name: string, args: Record<string, unknown>): McpStep => ({
  kind: 'rpc',
  name: `tools/call ${name}`,
  body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } },
});

/** Shell variables the script reads: URL and token of the server (from the exec's stdin, not in argv or env). */
export const ENV_URL = 'QMS_VERIFY_URL';
export const ENV_TOKEN = 'QMS_VERIFY_TOKEN';

/** The session id from header line `$l` (sh parameter expansions: kept out of the template below). */
const SID_FROM_LINE = 'SID=${l#*:}; SID=${SID# }; SID=${SID%"$CR"}';

const PRELUDE = String.raw`
command -v curl >/dev/null 2>&1 || { printf 'NOCURL\n'; exit 0; }
T=$(mktemp -d 2>/dev/null || { d=/tmp/.qms-verify-$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 3
trap 'rm -rf "$T"' EXIT
SID=""
CR=$(printf '\r')
: > "$T/m"
cfg() {
  printf 'url = "%s"\nsilent\n' "$QMS_VERIFY_URL"
  printf 'header = "Authorization: Bearer %s"\n' "$QMS_VERIFY_TOKEN"
  if [ -n "$SID" ]; then printf 'header = "Mcp-Session-Id: %s"\n' "$SID"; fi
}
# rpcs END k body [k body]...: the requests one after the other in ONE curl, answer k into
# $T/bk and its line into $T/m; the first run (no session yet) keeps the headers for the
# session id; END=1 ends the session too.
rpcs() {
  end=$1; shift; first=1
  {
    while [ $# -gt 1 ]; do
      printf '%s' "$2" > "$T/q$1"; : > "$T/b$1"
      [ $first = 1 ] || printf 'next\n'
      first=0
      cfg
      printf 'header = "Content-Type: application/json"\nheader = "Accept: application/json, text/event-stream"\n'
      printf 'data-binary = "@%s"\noutput = "%s"\nmax-time = 15\n' "$T/q$1" "$T/b$1"
      printf 'write-out = "M\\t%%{exitcode}\\t%%{http_code}\\t%%{size_download}\\t%%{errormsg}\\n"\n'
      [ -n "$SID" ] || printf 'dump-header = "%s"\n' "$T/h"
      shift 2
    done
    if [ "$end" = 1 ] && [ -n "$SID" ]; then printf 'next\n'; cfg; printf 'request = "DELETE"\noutput = "/dev/null"\nmax-time = 5\nwrite-out = ""\n'; fi
  } | curl -K - >> "$T/m" 2>/dev/null
  if [ -z "$SID" ] && [ -f "$T/h" ]; then
    while IFS= read -r l; do
      case $l in [Mm][Cc][Pp]-[Ss][Ee][Ss][Ss][Ii][Oo][Nn]-[Ii][Dd]:*) ${SID_FROM_LINE}; break ;; esac
    done < "$T/h"
  fi
}
# step k script: a shell snippet; its output is answer k.
step() {
  (eval "$2") > "$T/b$1" 2>&1
  rc=$?
  printf 'M\t%s\t-\t%s\t\n' "$rc" "$(($(wc -c < "$T/b$1")))" >> "$T/m"
}
end_session() {
  [ -n "$SID" ] && { cfg; printf 'request = "DELETE"\noutput = "/dev/null"\nmax-time = 5\n'; } | curl -K - 2>/dev/null
  return 0
}
`;

/**
 * The script for `steps`: the first request alone (it brings the session id), then each run of
 * requests between `sh` steps in one curl; the session is ended with the last run (or alone
 * after a trailing `sh` step); then the lines and the answers.
 */
export function mcpScript(steps: readonly McpStep[]): string {
  const lines: string[] = [];
  let run: string[] = [];
  let first = true;
  const flush = (end: boolean): void => {
    if (run.length > 0) lines.push(`rpcs ${end ? 1 : 0} ${run.join(' ')}`);
    else if (end) lines.push('end_session');
    run = [];
  };
  steps.forEach((s, i) => {
    const k = i + 1;
    if (s.kind === 'sh') {
      flush(false);
      lines.push(`step ${k} ${shq(s.script)}`);
    } else if (first) {
      lines.push(`rpcs 0 ${k} ${shq(JSON.stringify(s.body))}`);
      first = false;
    } else {
      run.push(`${k} ${shq(JSON.stringify(s.body))}`);
    }
  });
  flush(true);
  lines.push(`printf 'B\\n' >> "$T/m"`, `cat "$T/m"${steps.map((_, i) => ` "$T/b${i + 1}"`).join('')}`);
  return `${PRELUDE}\n${lines.join('\n')}\n`;
}

export interface StepOutput {
  name: string;
  /** curl's (or the snippet's) exit code. */
  exit: number;
  /** HTTP status, or undefined for `sh` steps. */
  status: number | undefined;
  body: string;
  stderr: string;
}

/**
 * The steps' answers, in order, from the script's output (`steps`: what the script was made
 * of); a step with no line (the script stopped early) has exit -1. `noCurl` when the image has
 * no curl.
 */
export function parseMcpOutput(stdout: string, steps: readonly McpStep[]): { steps: StepOutput[]; noCurl: boolean } {
  if (stdout.startsWith('NOCURL')) return { steps: [], noCurl: true };
  const bytes = Buffer.from(stdout, 'utf8');
  const heads: Array<{ exit: number; status: number | undefined; size: number; error: string }> = [];
  let at = 0;
  while (at < bytes.length) {
    const nl = bytes.indexOf(10, at);
    if (nl < 0) break;
    const line = bytes.subarray(at, nl).toString('utf8');
    at = nl + 1;
    if (line === 'B') break;
    const cols = line.split('\t');
    if (cols[0] !== 'M' || cols.length < 4) continue;
    const status = Number(cols[2]);
    heads.push({ exit: Number(cols[1]), status: cols[2] !== '-' && Number.isFinite(status) ? status : undefined, size: Math.max(0, Number(cols[3]) || 0), error: cols.slice(4).join('\t') });
  }
  const out = steps.map((s, i): StepOutput => {
    const h = heads[i];
    if (!h) return { name: s.name, exit: -1, status: undefined, body: '', stderr: 'no answer: the script stopped before this step' };
    const body = bytes.subarray(at, at + h.size).toString('utf8');
    at += h.size;
    return { name: s.name, exit: h.exit, status: h.status, body, stderr: h.error };
  });
  return { steps: out, noCurl: false };
}

/** A `tools/call` step's answer: the tool's text and whether it is an error (a transport or JSON-RPC failure is one, with the problem). */
export function toolAnswer(step: StepOutput | undefined, id: number): { text: string; error: boolean; problem?: string } {
  if (!step) return { text: '', error: true, problem: 'no answer' };
  if (step.exit !== 0 || step.status !== 200) return { text: '', error: true, problem: `HTTP ${step.status ?? '-'} (curl exit ${step.exit}) ${step.stderr.trim()}`.trim() };
  const res = jsonRpcResponse(step.body, id);
  if (res?.error) return { text: '', error: true, problem: res.error.message };
  return { text: toolText(res), error: res?.result?.isError === true };
}

/**
 * A tiny MCP client in bash, run inside the container: JSON-RPC requests POSTed over
 * streamable HTTP (bash's own /dev/tcp, one kept-alive connection) to the container's own URL
 * for a server, in order, keeping the `mcp-session-id` from `initialize`, then ending the
 * session. `sh` steps run a shell snippet between requests (e.g. editing the checked-out file).
 *
 * A process start is what a probe costs in a container on a busy machine (a curl ~20 ms of CPU,
 * several per verification), so a whole session is one bash (and a head per long answer):
 * answers are read into variables by their Content-Length (or chunk sizes), and at the end one
 * line per answer (`M<TAB>exit<TAB>http status<TAB>bytes<TAB>error`), `B`, then the answers back
 * to back. The answers are framed by their byte counts, never by a marker an answer could contain
 * (documents and workspace listings the agent wrote come back in them). Exit codes follow curl's
 * (7: no connection, 28: timeout, 52: empty reply, …) so the evidence reads as before.
 *
 * The URL and bearer token are shell variables (set from the exec's stdin, exec-batch.ts) and
 * reach bash on its stdin: they are in no process's argv or environment.
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

/** What a check records when the image cannot run the client. */
export const NO_CLIENT = 'bash (the in-container MCP client) is not in the image';

/** Shell variables the script reads: URL and token of the server (from the exec's stdin, not in argv or env). */
export const ENV_URL = 'QMS_VERIFY_URL';
export const ENV_TOKEN = 'QMS_VERIFY_TOKEN';

/**
 * The client (bash). Its stdout is line-buffered, so a request is built whole and ends in a
 * newline: it leaves in one write, never as pieces that Nagle's algorithm holds back against
 * the server's delayed ACK (40 ms a request). Bodies are JSON: a trailing newline is allowed.
 * (`$\{` stands for bash's `${`, which a template literal would take for its own.)
 */
const CLIENT = String.raw`
IFS= read -r U || exit 3
IFS= read -r K || exit 3
exec </dev/null
LC_ALL=C
trap '' PIPE
SID= CON= CR=$'\r'
A=$\{U#http://} HP=$\{A%%/*}
P=/$\{A#*/}; [ "$A" != "$HP" ] || P=/
case $HP in *:*) H=$\{HP%:*} O=$\{HP##*:} ;; *) H=$HP O=80 ;; esac
X=() S=() E=() B=()
drop() { CON=; exec 3>&- 3<&-; }
# take N: N bytes of the answer into v. bash reads a socket a byte per system call (two, with a
# timeout: the rest of an answer that has begun is read without one, the batch's own time limit
# bounding a server that stops halfway), so a long answer goes through head (the x keeps its
# trailing newlines).
take() {
  if [ "$1" -le 512 ]; then IFS= read -r -N "$1" v <&3; else v=$(head -c "$1" <&3; printf x); v=$\{v%x}; fi
}
# send K METHOD BODY: one request on the kept connection; its answer into B[K], exit code,
# HTTP status and error into X, S, E[K].
send() {
  local k=$1 line len= chunked= close= n v sid= body= data=$\{3:+$3$'\n'}
  X[k]=0 S[k]=000 E[k]= B[k]=
  case $U in http://*) ;; *) X[k]=1 E[k]="not an http:// URL: $U"; return ;; esac
  if [ -z "$CON" ]; then
    { exec 3<>"/dev/tcp/$H/$O"; } 2>/dev/null || { X[k]=7 E[k]="cannot connect to $HP"; return; }
    CON=1
  fi
  [ -z "$SID" ] || sid="Mcp-Session-Id: $SID$CR"$'\n'
  printf -v v '%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n%sContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %s\r\n\r\n%s' \
    "$2" "$P" "$HP" "$K" "$sid" "$\{#data}" "$data"
  printf '%s' "$v" >&3 2>/dev/null || { X[k]=55 E[k]='the request could not be sent'; drop; return; }
  IFS= read -r -t 15 line <&3; n=$?
  if [ $n -ne 0 ]; then
    if [ $n -gt 128 ]; then X[k]=28 E[k]='no answer within 15 s'; else X[k]=52 E[k]='empty reply from the server'; fi
    drop; return
  fi
  line=$\{line%"$CR"}; n=$\{line#* }; S[k]=$\{n%% *}
  while IFS= read -r line <&3; do
    line=$\{line%"$CR"}
    [ -n "$line" ] || break
    case $\{line,,} in
      content-length:*) len=$\{line#*:} len=$\{len// /} ;;
      transfer-encoding:*chunked*) chunked=1 ;;
      connection:*close*) close=1 ;;
      mcp-session-id:*) [ -n "$SID" ] || { SID=$\{line#*:} SID=$\{SID# }; } ;;
    esac
  done
  if [ -n "$chunked" ]; then
    while IFS= read -r -t 15 line <&3; do
      line=$\{line%"$CR"} line=$\{line%%;*}
      case $line in ''|*[!0-9a-fA-F]*) X[k]=56 E[k]='a malformed chunk'; close=1; break ;; esac
      n=$((16#$line))
      [ "$n" -gt 0 ] || { IFS= read -r -t 15 line <&3; break; }
      take "$n"; body+=$v
      [ "$\{#v}" -eq "$n" ] || { X[k]=18 E[k]='the answer ended inside a chunk'; close=1; break; }
      IFS= read -r -t 15 line <&3
    done
  elif [ -n "$len" ]; then
    case $len in
      *[!0-9]*) X[k]=56 E[k]='a malformed Content-Length'; close=1 ;;
      0) ;;
      *) take "$len"; body=$v
         [ "$\{#body}" -eq "$len" ] || { X[k]=18 E[k]="the answer ended after $\{#body} of $len bytes"; close=1; } ;;
    esac
  elif [ "$\{S[k]}" != 202 ] && [ "$\{S[k]}" != 204 ]; then
    IFS= read -r -N 16777216 -t 15 body <&3; close=1
  fi
  B[k]=$body
  [ -z "$close" ] || drop
}
rpc() { send "$1" POST "$2"; }
# step K SCRIPT: a shell snippet; its output is answer K, its exit code the step's.
step() {
  local v
  v=$( (eval "$2") 2>&1; printf '#%s' "$?")
  X[$1]=$\{v##*#} S[$1]=- E[$1]= B[$1]=$\{v%#*}
}
end_session() { [ -z "$SID" ] || send 0 DELETE ''; }
# answers N: the lines, B, then the answers back to back.
answers() {
  local k
  for ((k = 1; k <= $1; k++)); do printf 'M\t%s\t%s\t%s\t%s\n' "$\{X[k]--1}" "$\{S[k]-000}" "$\{#B[k]}" "$\{E[k]}"; done
  printf 'B\n'
  for ((k = 1; k <= $1; k++)); do printf '%s' "$\{B[k]}"; done
}
`.replaceAll('$\\{', '${');

/** The script for `steps` (sh, as the exec batch runs it): bash running the client over them, fed URL and token on stdin. */
export function mcpScript(steps: readonly McpStep[]): string {
  const lines = steps.map((s, i) => (s.kind === 'sh' ? `step ${i + 1} ${shq(s.script)}` : `rpc ${i + 1} ${shq(JSON.stringify(s.body))}`));
  const program = `${CLIENT}\n${lines.join('\n')}\nend_session\nanswers ${steps.length}\n`;
  return [
    `command -v bash >/dev/null 2>&1 || { printf 'NOBASH\\n'; exit 0; }`,
    `printf '%s\\n%s\\n' "$${ENV_URL}" "$${ENV_TOKEN}" | bash -c ${shq(program)} qms-mcp-client`,
  ].join('\n');
}

export interface StepOutput {
  name: string;
  /** The client's exit code (curl's numbering) or the snippet's. */
  exit: number;
  /** HTTP status, or undefined for `sh` steps. */
  status: number | undefined;
  body: string;
  stderr: string;
}

/**
 * The steps' answers, in order, from the script's output (`steps`: what the script was made
 * of); a step with no line (the script stopped early) has exit -1. `noClient` when the image has
 * no bash.
 */
export function parseMcpOutput(stdout: string, steps: readonly McpStep[]): { steps: StepOutput[]; noClient: boolean } {
  if (stdout.startsWith('NOBASH')) return { steps: [], noClient: true };
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
  return { steps: out, noClient: false };
}

/** A `tools/call` step's answer: the tool's text and whether it is an error (a transport or JSON-RPC failure is one, with the problem). */
export function toolAnswer(step: StepOutput | undefined, id: number): { text: string; error: boolean; problem?: string } {
  if (!step) return { text: '', error: true, problem: 'no answer' };
  if (step.exit !== 0 || step.status !== 200) return { text: '', error: true, problem: `HTTP ${step.status ?? '-'} (exit ${step.exit}) ${step.stderr.trim()}`.trim() };
  const res = jsonRpcResponse(step.body, id);
  if (res?.error) return { text: '', error: true, problem: res.error.message };
  return { text: toolText(res), error: res?.result?.isError === true };
}

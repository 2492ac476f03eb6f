/**
 * A tiny MCP client in sh + curl, run inside the container: JSON-RPC requests POSTed over
 * streamable HTTP to the container's own URL for a server, in order, keeping the
 * `mcp-session-id` from `initialize`. The bearer token is a shell variable (set from the exec's
 * stdin, exec-batch.ts) and reaches curl through its stdin config (`-K -`), so it is in no
 * process's argv or environment. The requests after `initialize` share one curl per run of them
 * (curl's own start is the cost here). One line per step:
 * `S<TAB>name<TAB>curl exit<TAB>http status<TAB>base64(body)<TAB>base64(curl error)`.
 * `sh` steps run a shell snippet between requests (e.g. editing the checked-out file).
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

const PRELUDE = String.raw`
command -v curl >/dev/null 2>&1 || { printf 'NOCURL\n'; exit 0; }
T=$(mktemp -d 2>/dev/null || { d=/tmp/.qms-verify-$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 3
trap 'rm -rf "$T"' EXIT
SID=""
TAB=$(printf '\t')
b64() { base64 < "$1" | tr -d '\n'; }
cfg() {
  printf 'header = "Authorization: Bearer %s"\n' "$QMS_VERIFY_TOKEN"
  if [ -n "$SID" ]; then printf 'header = "Mcp-Session-Id: %s"\n' "$SID"; fi
}
rpc() {
  : > "$T/h"; : > "$T/b"; : > "$T/e"
  code=$(cfg | curl -sS -K - --max-time 15 -X POST -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -D "$T/h" -o "$T/b" -w '%{http_code}' \
    --data-binary "$2" "$QMS_VERIFY_URL" 2>"$T/e")
  rc=$?
  if [ -z "$SID" ]; then SID=$(grep -i '^mcp-session-id:' "$T/h" | head -n 1 | cut -d: -f2- | tr -d ' \r'); fi
  printf 'S\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rc" "$code" "$(b64 "$T/b")" "$(b64 "$T/e")"
}
transfer() {
  printf 'url = "%s"\n' "$QMS_VERIFY_URL"
  cfg
  printf 'write-out = "%%{http_code}\\t%%{exitcode}\\t%%{errormsg}\\n"\nsilent\n'
}
# rpcs END name body [name body]...: the requests one after the other in ONE curl (a curl
# start costs more than a request), each answer in its own file; END=1 ends the session too.
rpcs() {
  end=$1; shift; n=0
  while [ $# -gt 1 ]; do n=$((n+1)); printf '%s' "$1" > "$T/n$n"; printf '%s' "$2" > "$T/q$n"; : > "$T/b$n"; shift 2; done
  k=1
  {
    while [ $k -le $n ]; do
      [ $k = 1 ] || printf 'next\n'
      transfer
      printf 'header = "Content-Type: application/json"\nheader = "Accept: application/json, text/event-stream"\n'
      printf 'data-binary = "@%s"\noutput = "%s"\nmax-time = 15\n' "$T/q$k" "$T/b$k"
      k=$((k+1))
    done
    if [ "$end" = 1 ] && [ -n "$SID" ]; then printf 'next\n'; transfer; printf 'request = "DELETE"\noutput = "/dev/null"\nmax-time = 5\n'; fi
  } | curl -K - > "$T/w" 2>/dev/null
  k=1
  while [ $k -le $n ] && IFS="$TAB" read -r code rc err; do
    printf 'S\t%s\t%s\t%s\t%s\t%s\n' "$(cat "$T/n$k")" "$rc" "$code" "$(b64 "$T/b$k")" "$(printf '%s' "$err" | base64 | tr -d '\n')"
    k=$((k+1))
  done < "$T/w"
}
step() {
  : > "$T/b"
  (eval "$2") > "$T/b" 2>&1
  printf 'S\t%s\t%s\t%s\t%s\t\n' "$1" "$?" "-" "$(b64 "$T/b")"
}
end_session() {
  [ -n "$SID" ] && cfg | curl -sS -K - --max-time 5 -X DELETE -o /dev/null "$QMS_VERIFY_URL" 2>/dev/null
  return 0
}
`;

/**
 * The script for `steps`: the first request alone (it brings the session id), then each run of
 * requests between `sh` steps in one curl; the session is ended with the last run (or alone
 * after a trailing `sh` step).
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
  for (const s of steps) {
    if (s.kind === 'sh') {
      flush(false);
      lines.push(`step ${shq(s.name)} ${shq(s.script)}`);
    } else if (first) {
      lines.push(`rpc ${shq(s.name)} ${shq(JSON.stringify(s.body))}`);
    } else {
      run.push(`${shq(s.name)} ${shq(JSON.stringify(s.body))}`);
    }
    if (s.kind === 'rpc') first = false;
  }
  flush(true);
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

/** Parsed step lines, in order; `noCurl` when the image has no curl. */
export function parseMcpOutput(stdout: string): { steps: StepOutput[]; noCurl: boolean } {
  const steps: StepOutput[] = [];
  const decode = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t');
    if (cols[0] !== 'S' || cols.length < 5) continue;
    const status = Number(cols[3]);
    steps.push({ name: cols[1] ?? '', exit: Number(cols[2]), status: Number.isFinite(status) && cols[3] !== '-' ? status : undefined, body: decode(cols[4]), stderr: decode(cols[5]) });
  }
  return { steps, noCurl: stdout.startsWith('NOCURL') };
}

/** A `tools/call` step's answer: the tool's text and whether it is an error (a transport or JSON-RPC failure is one, with the problem). */
export function toolAnswer(step: StepOutput | undefined, id: number): { text: string; error: boolean; problem?: string } {
  if (!step) return { text: '', error: true, problem: 'no answer' };
  if (step.exit !== 0 || step.status !== 200) return { text: '', error: true, problem: `HTTP ${step.status ?? '-'} (curl exit ${step.exit}) ${step.stderr.trim()}`.trim() };
  const res = jsonRpcResponse(step.body, id);
  if (res?.error) return { text: '', error: true, problem: res.error.message };
  return { text: toolText(res), error: res?.result?.isError === true };
}

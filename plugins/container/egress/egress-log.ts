/**
 * Reading the egress decision log (`.qms/egress/egress.ndjson`, written by the proxy): its lines
 * as the NDJSON they are (`--json`), or one readable line each. The proxy writes what the agent
 * asked for (a host name) only through JSON.stringify; a line that is not a decision is skipped.
 */
import type { Decision } from './egress-proxy.js';

function parse(line: string): Decision | undefined {
  try {
    const d = JSON.parse(line) as Partial<Decision>;
    return typeof d.host === 'string' && (d.decision === 'allowed' || d.decision === 'denied' || d.decision === 'suppressed') ? (d as Decision) : undefined;
  } catch {
    return undefined;
  }
}

/** Whole lines of `text` → output: NDJSON (`json`) or `time  agent  ALLOWED|DENIED  host:port  rule`. */
export function formatDecisions(text: string, json: boolean): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const d = line.trim() ? parse(line) : undefined;
    if (!d) continue;
    // Re-serialised, never echoed: a control character the agent put in a host name stays escaped.
    if (json) out.push(JSON.stringify(d));
    else if (d.decision === 'suppressed') out.push([d.time, d.agent, `${d.count ?? '?'} more decisions not logged one by one (${d.rule})`].join('  '));
    else out.push([d.time, d.agent, d.decision === 'allowed' ? 'ALLOWED' : 'DENIED ', `${JSON.stringify(d.host).slice(1, -1)}:${d.port}`, d.rule, ...(d.error ? [`(${d.error})`] : []), ...(d.probe ? ['[verification probe]'] : [])].join('  '));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

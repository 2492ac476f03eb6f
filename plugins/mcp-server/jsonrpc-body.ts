/**
 * Read a JSON-RPC response out of a streamable-HTTP body: plain JSON, or SSE whose `data:`
 * lines hold messages (the server picks). Returns the message answering `id`.
 */
/** The MCP protocol version qms's own clients speak (readiness probe, verify's in-container script); servers answer with the one they agree to. */
export const MCP_PROTOCOL_VERSION = '2025-06-18';

export interface JsonRpcResponse {
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export function jsonRpcResponse(body: string, id: number): JsonRpcResponse | undefined {
  const candidates: unknown[] = [];
  const trimmed = body.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      candidates.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    } catch {
      // not JSON after all; try SSE below
    }
  }
  // SSE: an event's data may span several `data:` lines, joined with newlines.
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (!data) continue;
    try {
      candidates.push(JSON.parse(data));
    } catch {
      // a non-JSON event (e.g. a keep-alive) is not an answer
    }
  }
  return candidates.find((m): m is JsonRpcResponse => typeof m === 'object' && m !== null && (m as JsonRpcResponse).id === id);
}

/** The text content of a tools/call result, joined. */
export function toolText(response: JsonRpcResponse | undefined): string {
  const content = response?.result?.content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c: unknown) => (typeof c === 'object' && c !== null && (c as { type?: string }).type === 'text' ? String((c as { text?: unknown }).text ?? '') : ''))
    .join('\n');
}

/**
 * The server side of one MCP session over streamable HTTP, answering each POST with plain JSON
 * (the spec lets a server answer a POST with `application/json` instead of an SSE stream) and
 * offering no standalone SSE stream (GET is 405, as the spec allows). Our servers send no
 * server-initiated messages, so nothing is lost. It is the SDK's `Transport`, fed by http-host.ts
 * straight from node:http: the SDK's own HTTP transport converts every request and answer to
 * web-standard `Request`/`Response` objects and streams, which cost most of a request's CPU
 * (~5 ms of ~8 ms) and lengthened every in-container verification. Everything the SDK's
 * transport checks of a request is checked here too (Accept, Content-Type, protocol version,
 * message shape, one initialize per session); the SDK server validates each method's params.
 * Every POST is answered: a message is classified with the SDK's own guards (what its server
 * dispatches on; a "request" it would not answer would hold the POST forever), a cancelled
 * request's POST gets an error, and a request whose client went away is cancelled in the server
 * too, so its late answer cannot reach a later POST that reuses its id.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type * as SdkTypes from '@modelcontextprotocol/sdk/types.js';

/** What to write back: a status, JSON (or nothing), and headers. */
export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Id = string | number;
type Kind = 'request' | 'notification' | 'response';

/** What this module takes from the SDK's types (loaded lazily, with the SDK): its protocol versions and message guards. */
export type SdkTypeGuards = Pick<typeof SdkTypes, 'SUPPORTED_PROTOCOL_VERSIONS' | 'isJSONRPCRequest' | 'isJSONRPCNotification' | 'isJSONRPCResultResponse' | 'isJSONRPCErrorResponse' | 'isInitializeRequest'>;
let sdk: SdkTypeGuards | undefined;
export function setSdkTypes(types: SdkTypeGuards): void {
  sdk = types;
}
const guards = (): SdkTypeGuards => {
  if (!sdk) throw new Error('json-session-transport: setSdkTypes was not called');
  return sdk;
};

export const jsonRpcError = (status: number, code: number, message: string, headers?: Record<string, string>): HttpAnswer => ({
  status,
  body: { jsonrpc: '2.0', error: { code, message }, id: null },
  ...(headers ? { headers } : {}),
});

const isId = (v: unknown): v is Id => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/**
 * A JSON-RPC 2.0 message's kind, or undefined when it is none, by the SDK's guards (what its server
 * dispatches on): a looser check let through "requests" (a float id, an unknown key, a malformed
 * `_meta`) the server drops unanswered, holding their POST forever. The guards' schemas are strict,
 * so the keys name the one that can match; only that one is run (a failing guard costs ~45 µs).
 */
export function messageKind(m: unknown): Kind | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const g = guards();
  if ('method' in m) {
    if ('id' in m) return g.isJSONRPCRequest(m) ? 'request' : undefined;
    return g.isJSONRPCNotification(m) ? 'notification' : undefined;
  }
  if ('result' in m) return g.isJSONRPCResultResponse(m) ? 'response' : undefined;
  return g.isJSONRPCErrorResponse(m) ? 'response' : undefined;
}

/** The messages of a POST body (one, or a batch), or an error answer. */
export function parseMessages(body: unknown): { messages: JSONRPCMessage[]; kinds: Kind[]; batch: boolean } | HttpAnswer {
  const batch = Array.isArray(body);
  const list: unknown[] = batch ? body : [body];
  if (list.length === 0 || list.length > 100) return jsonRpcError(400, -32600, 'Invalid Request: a batch holds 1 to 100 messages');
  const kinds: Kind[] = [];
  for (const m of list) {
    const kind = messageKind(m);
    if (!kind) return jsonRpcError(400, -32700, 'Parse error: not a JSON-RPC 2.0 message');
    kinds.push(kind);
  }
  return { messages: list as JSONRPCMessage[], kinds, batch };
}

export const isInitialize = (m: JSONRPCMessage): boolean => 'method' in m && m.method === 'initialize' && guards().isInitializeRequest(m);

/** The request a `notifications/cancelled` names, if any. */
const cancelledId = (m: JSONRPCMessage): Id | undefined => {
  if (!('method' in m) || m.method !== 'notifications/cancelled' || 'id' in m) return undefined;
  const id = (m.params as { requestId?: unknown } | undefined)?.requestId;
  return isId(id) ? id : undefined;
};

/** The checks of the spec every POST passes (the SDK's transport makes the same). */
export function postHeadersProblem(headers: IncomingHttpHeaders): HttpAnswer | undefined {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return jsonRpcError(406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
  }
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
  return undefined;
}

/** A named `mcp-protocol-version` this server does not speak (absent: the default, allowed). */
export function versionProblem(headers: IncomingHttpHeaders): HttpAnswer | undefined {
  const version = headers['mcp-protocol-version'];
  const supported = guards().SUPPORTED_PROTOCOL_VERSIONS;
  if (version === undefined || supported.includes(String(version))) return undefined;
  return jsonRpcError(400, -32000, `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${supported.join(', ')})`);
}

export class JsonSessionTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private readonly waiting = new Map<Id, (answer: JSONRPCMessage) => void>();
  private closed = false;

  constructor(sessionId: string) {
    this.sessionId = sessionId;
  }

  async start(): Promise<void> {}

  /** An answer goes to the POST waiting for it; a message of the server's own has no stream to go to. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (('result' in message || 'error' in message) && 'id' in message && isId(message.id)) {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      waiter?.(message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.waiting.keys()]) this.answer(id, 'the MCP session was closed');
    this.onclose?.();
  }

  /** Ends a request's wait with an error (the server's own answer, should it come, is dropped). */
  private answer(id: Id, why: string): void {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    waiter?.({ jsonrpc: '2.0', id, error: { code: -32001, message: why } });
  }

  /**
   * Hands a POST's messages to the server; the answer holds the answers to its requests.
   * `onGone` registers what to do when the client stops waiting: its requests still waiting are
   * cancelled in the server (which then never answers them) and their answers dropped.
   */
  async post(parsed: { messages: JSONRPCMessage[]; kinds: Kind[]; batch: boolean }, onGone?: (drop: () => void) => void): Promise<HttpAnswer> {
    if (this.closed) return jsonRpcError(404, -32001, 'Session not found');
    const { messages, kinds, batch } = parsed;
    const answers: Promise<JSONRPCMessage>[] = [];
    // Each request's own waiter: a later POST may reuse an id once it is answered, and must keep it.
    const mine = new Map<Id, (answer: JSONRPCMessage) => void>();
    const skip = new Set<number>();
    messages.forEach((message, i) => {
      if (kinds[i] !== 'request') return;
      const id = (message as { id: Id }).id;
      if (this.waiting.has(id)) {
        // Not handed to the server: its answer would go to the request already waiting.
        answers.push(Promise.resolve({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: id ${JSON.stringify(id)} is already in use` } }));
        skip.add(i);
        return;
      }
      answers.push(new Promise((resolve) => {
        mine.set(id, resolve);
        this.waiting.set(id, resolve);
      }));
    });
    messages.forEach((message, i) => {
      if (skip.has(i)) return;
      this.onmessage?.(message);
      // The server answers a cancelled request never; its POST is answered here.
      const cancelled = cancelledId(message);
      if (cancelled !== undefined) this.answer(cancelled, 'the request was cancelled');
    });
    // After the messages are handed over: a client already gone cancels requests the server knows.
    onGone?.(() => {
      for (const [id, waiter] of mine) {
        if (this.waiting.get(id) !== waiter) continue;
        this.answer(id, 'the client stopped waiting');
        // The server's handler is aborted and sends nothing: a late answer would go to the next request with this id.
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client stopped waiting' } });
      }
    });
    if (answers.length === 0) return { status: 202 };
    const got = await Promise.all(answers);
    return { status: 200, body: batch ? got : got[0], headers: { 'mcp-session-id': this.sessionId ?? '' } };
  }
}

/**
 * The API's error shape: every refusal is JSON `{ error: { code, message, hint } }` with the
 * HTTP status that says what kind it is (401 token, 403 Host/Origin, 404 unknown agent or not
 * up, 409 another qms run holds the project, 400 bad body).
 */
import type { ServerResponse } from 'node:http';
import { ConfigError, QmsError } from '../../tasks/errors.js';

export class ApiError extends QmsError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super(message, hint, { plugin: 'api', cause });
    this.name = 'ApiError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** An ApiError as is; a plugin's QmsError (e.g. "qa is not up") keeps its message and hint; anything else is a 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ConfigError) return new ApiError(400, 'bad-request', err.message, err.hint ?? '');
  if (err instanceof QmsError) {
    const notUp = / is not up\b/.test(err.message);
    return new ApiError(notUp ? 404 : 500, notUp ? 'not-up' : 'failed', err.message, err.hint ?? '');
  }
  return new ApiError(500, 'internal', err instanceof Error ? err.message : String(err), 'See the output of `qms serve api`.');
}

export function sendError(res: ServerResponse, err: unknown, redact: (s: string) => string): void {
  const e = toApiError(err);
  const headers: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Bearer realm="qms-api"' } : {};
  sendJson(res, e.status, { error: { code: e.code, message: redact(e.message), hint: redact(e.hint ?? '') } }, headers);
}

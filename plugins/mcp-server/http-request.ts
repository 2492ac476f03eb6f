/**
 * One HTTP request to a supervised service (an MCP server or the API, on this host), answered
 * whole. node:http rather than fetch: the first fetch loads and compiles undici (~100 ms of CPU
 * here), paid by every `qms up` for the readiness probes of servers that answer in a few ms.
 */
import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  /** Header names in lower case. */
  header(name: string): string | undefined;
  body: string;
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** Sends one request to an `http:` or `https:` URL; rejects on a transport failure or abort. */
export async function requestText(url: string, init: HttpRequestInit = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(target, { method: init.method ?? 'GET', headers: init.headers, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * The live feed behind `GET /api/events` (server-sent events): the engine's run events of an
 * `ensure` (task start/skip/success/fail, output lines — already redacted by the engine) and the
 * API's own `agent` events when a call changed an agent's container. Nothing is kept for late
 * subscribers beyond the last few events, so a dashboard that opens sees what just happened
 * (sent with `replay: true`).
 */
import type { ServerResponse } from 'node:http';

export interface FeedEvent {
  type: string;
  time: string;
  [field: string]: unknown;
}

const BACKLOG = 50;
/** Comment line every 15 s so proxies and browsers keep the stream open. */
const KEEPALIVE_MS = 15_000;

export class EventFeed {
  private readonly clients = new Set<ServerResponse>();
  private readonly backlog: FeedEvent[] = [];
  private readonly timer: NodeJS.Timeout;
  private seq = 0;

  constructor() {
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), KEEPALIVE_MS);
    this.timer.unref();
  }

  publish(event: FeedEvent): void {
    this.seq++;
    this.backlog.push(event);
    if (this.backlog.length > BACKLOG) this.backlog.shift();
    this.write(frame(this.seq, event));
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const first = this.seq - this.backlog.length + 1;
    // Marked as replays: a client shows them but need not act on them again.
    this.backlog.forEach((e, i) => res.write(frame(first + i, { ...e, replay: true })));
    res.write(': subscribed\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

const frame = (id: number, e: FeedEvent): string => `id: ${id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

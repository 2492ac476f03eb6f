/**
 * What each token holds in an MCP host's memory at once: its requests' bodies from their first
 * byte until answered, and its answers until its client has read them. An agent that stalls its
 * bodies or never reads its answers grows nothing but its own allowance (four bodies' worth); the
 * host answers 429 beyond it, and other tokens' allowances are untouched.
 */
import { jsonRpcError, type HttpAnswer } from './json-session-transport.js';

export class BytesInFlight<Owner> {
  private readonly held = new Map<Owner, number>();
  /** Bytes one owner may hold: four of the largest body. */
  readonly allowance: number;

  constructor(private readonly maxBody: number) {
    this.allowance = 4 * maxBody;
  }

  /** The owner already holds more than its allowance: refuse before reading anything. */
  spent(owner: Owner): boolean {
    return (this.held.get(owner) ?? 0) > this.allowance;
  }

  /** The 429 for an owner over its allowance. */
  refusal(what = 'read your answers, then retry'): HttpAnswer {
    return jsonRpcError(429, -32000, `Too many bytes in flight for this token (over ${this.allowance}): ${what}`, { 'retry-after': '1' });
  }

  /** One request's account: what it adds is released when `release` is called (its response closed). */
  request(owner: Owner): { admit(bytes: number): boolean; add(bytes: number): void; release(): void; answerOver(bytes: number): HttpAnswer | undefined } {
    let mine = 0;
    const add = (bytes: number): void => {
      mine += bytes;
      this.change(owner, bytes);
    };
    return {
      /** A body chunk of `bytes` may be kept (and is counted) unless it would pass the allowance. */
      admit: (bytes) => {
        if ((this.held.get(owner) ?? 0) + bytes > this.allowance) return false;
        add(bytes);
        return true;
      },
      add,
      release: () => this.change(owner, -mine),
      // Requests admitted together could each add a large answer: one past the allowance is
      // withheld while the owner holds a body's worth or more elsewhere (so one answer is sent whatever its size).
      answerOver: (bytes) => {
        const others = (this.held.get(owner) ?? 0) - mine;
        if (others < this.maxBody || others + bytes <= this.allowance) return undefined;
        return this.refusal(`the call ran, but its answer (${bytes} bytes) was not sent; read your earlier answers, then retry`);
      },
    };
  }

  private change(owner: Owner, bytes: number): void {
    const now = (this.held.get(owner) ?? 0) + bytes;
    if (now > 0) this.held.set(owner, now);
    else this.held.delete(owner);
  }
}

/**
 * The live MCP sessions of one HTTP host, bounded: each credential may hold at most
 * `perOwner` sessions (opening one more closes that credential's least recently used, so one
 * agent can neither grow the server without limit nor push another agent's sessions out), and
 * a session idle for `idleMs` is closed by a periodic sweep. A closed session's client gets
 * "session not found" and, as the MCP spec asks, starts a new one.
 */

export interface SessionLimits {
  /** Sessions one credential may hold at once; default 16. */
  perOwner: number;
  /** A session unused this long is closed; default 30 minutes. */
  idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { perOwner: 16, idleMs: 30 * 60_000 };

interface Entry<T> {
  value: T;
  owner: unknown;
  lastUsed: number;
}

export class SessionTable<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: SessionLimits,
    /** Closes a session the table evicts or expires (its transport's onclose then calls `delete`). */
    private readonly close: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(limits.idleMs / 4, 60_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The session, marked as used now. */
  use(id: string): { value: T; owner: unknown } | undefined {
    const e = this.entries.get(id);
    if (e) e.lastUsed = this.now();
    return e;
  }

  /** Adds a session; when its owner now holds too many, closes the owner's least recently used ones. */
  add(id: string, owner: unknown, value: T): void {
    this.entries.set(id, { value, owner, lastUsed: this.now() });
    const mine = [...this.entries.entries()].filter(([, e]) => e.owner === owner).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [oldId, e] of mine.slice(0, Math.max(0, mine.length - this.limits.perOwner))) {
      this.entries.delete(oldId);
      this.close(e.value);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Closes every session idle for longer than the limit. */
  sweep(): void {
    const cutoff = this.now() - this.limits.idleMs;
    for (const [id, e] of this.entries) {
      if (e.lastUsed >= cutoff) continue;
      this.entries.delete(id);
      this.close(e.value);
    }
  }

  /** Empties the table (returning what was in it) and stops the sweep. */
  drain(): T[] {
    clearInterval(this.sweeper);
    const values = [...this.entries.values()].map((e) => e.value);
    this.entries.clear();
    return values;
  }
}

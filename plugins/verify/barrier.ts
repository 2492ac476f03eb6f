/**
 * The barrier the exec batch and the shared MCP sessions are: checks `join` it, and it goes
 * once every joined check is either waiting for what it asked or done. `ready(waiting)` is
 * looked at on the next turn after each change, so checks started in the same turn (one list
 * of them) have all joined first.
 */
export class Barrier {
  private active = 0;

  /** `go` is called when `waiting()` (the checks waiting for it) covers every joined check. */
  constructor(
    private readonly waiting: () => number,
    private readonly go: () => void,
  ) {}

  /** Runs `fn` as a participant: the barrier waits for its request (or its end). */
  async join<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.check();
    }
  }

  /** Call after a request was added. */
  check(): void {
    setImmediate(() => {
      const waiting = this.waiting();
      if (waiting > 0 && waiting >= this.active) this.go();
    });
  }
}

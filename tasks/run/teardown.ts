/**
 * The teardown registry: what a run started and did not mean to leave running is undone in
 * reverse registration order after a failure or an interruption (and `always` ones also
 * after success). Every error is collected and reported, none is swallowed.
 */
import { errorMessage } from './failure.js';

export interface Teardown {
  task: string;
  label: string;
  fn: () => Promise<void> | void;
  always: boolean;
}

export interface TeardownResult {
  task: string;
  label: string;
  durationMs: number;
  error?: unknown;
}

export class TeardownRegistry {
  private readonly items: Teardown[] = [];

  add(item: Teardown): void {
    this.items.push(item);
  }

  /** Run (and forget) the teardowns due: all of them after a failure, `always` ones after success. */
  async run(outcome: 'success' | 'failure', onResult: (r: TeardownResult) => void): Promise<TeardownResult[]> {
    const due = this.items.filter((t) => outcome === 'failure' || t.always).reverse();
    this.items.length = 0;
    const results: TeardownResult[] = [];
    for (const t of due) {
      const start = performance.now();
      let error: unknown;
      try {
        await t.fn();
      } catch (err) {
        error = err ?? new Error('teardown failed');
      }
      const r: TeardownResult = { task: t.task, label: t.label, durationMs: Math.round(performance.now() - start), ...(error === undefined ? {} : { error }) };
      results.push(r);
      onResult(r);
    }
    return results;
  }
}

export const teardownErrorMessage = (r: TeardownResult): string => `teardown "${r.label}" of ${r.task} failed: ${errorMessage(r.error)}`;

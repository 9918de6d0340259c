/**
 * A batched counter over any StateStore: `add(key, n)` only sums in a local Map; every `flushMs` (and on
 * `flush()` / `close()`) each key's sum goes to the store as one `incr`. This is how per-byte accounting (usage,
 * quota) is shared by workers and machines without a message or a Redis round trip per chunk. `add` allocates
 * nothing for a key already pending (a Map entry holds a number). A failed flush puts the sums back, so a primary
 * or Redis outage delays counts rather than losing them; `close()` tries once more and reports what it could not.
 */
import type { StateStore } from './store.js';

export interface BatchedCounterOptions {
  /** How often pending sums are written (default 1000 ms). */
  flushMs?: number;
  /** TTL given to each `incr` (a key's expiry when created), e.g. the quota window. */
  ttlMs?: number;
  /** Called with the error of a failed flush (the sums stay pending). */
  onError?: (error: unknown) => void;
  /** Prepended to each key when written (so `add` can take a bare name without building a string per call). */
  keyPrefix?: string;
  /** Called with each key's new shared total after its write (what every writer has added so far). */
  onWritten?: (key: string, total: number) => void;
}

export class BatchedCounter {
  private pending = new Map<string, number>();
  private spare = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: StateStore,
    private readonly options: BatchedCounterOptions = {},
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 1000);
    this.timer.unref();
  }

  add(key: string, by: number): void {
    this.pending.set(key, (this.pending.get(key) ?? 0) + by);
  }

  /** Sums not yet written, for one key (what a local quota check adds to the shared total). */
  pendingFor(key: string): number {
    return this.pending.get(key) ?? 0;
  }

  /** Forgets a key's pending sum (its count was reset). */
  drop(key: string): void {
    this.pending.delete(key);
  }

  /** Writes every pending sum; concurrent calls share one pass. */
  flush(): Promise<void> {
    this.flushing ??= this.writeOut().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeOut(): Promise<void> {
    if (this.pending.size === 0) return;
    // Swap the two maps so adds during the writes land in a fresh one (no allocation per flush).
    const batch = this.pending;
    this.pending = this.spare;
    this.spare = batch;
    const writes: Promise<unknown>[] = [];
    for (const [key, sum] of batch) {
      if (sum === 0) continue;
      writes.push(
        this.store.incr(this.options.keyPrefix === undefined ? key : this.options.keyPrefix + key, sum, this.options.ttlMs).then(
          (total) => this.options.onWritten?.(key, total),
          (error) => {
            this.add(key, sum);
            this.options.onError?.(error);
          },
        ),
      );
    }
    batch.clear();
    await Promise.all(writes);
  }

  /** Stops the timer and flushes what is pending; resolves with the keys whose sums could not be written. */
  async close(): Promise<string[]> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
    return [...this.pending.keys()];
  }
}

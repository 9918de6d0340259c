/**
 * Each user's byte count (usage, quota) shared by a group of processes (docs/fleet.md): the user directory's
 * UsageStore (src/proxy/usage-store.ts) over a StateStore — the primary's over IPC, or Redis. Relayed bytes are
 * summed here in a BatchedCounter and written as one `incr` per user per flush (every `flushMs`, as soon as one
 * user's unwritten bytes pass `flushBytes`, and on close), never per chunk. A user's total is the last shared
 * total this process read or wrote plus what it has not written yet; the totals of the users it is asked about
 * (quota checks) are re-read every flush, so another process's bytes count here within about `flushMs`.
 * So a quota may be overshot by what the other processes relay within one flush. Keys: `usage:<user>`, and the
 * set `usage:users` naming every user with a count (for whoever saves them: usage-file.ts).
 */
import type { UsageStore } from '../proxy/usage-store.js';
import { BatchedCounter } from './batched-counter.js';
import type { StateStore } from './store.js';

export const USAGE_PREFIX = 'usage:';
export const USAGE_USERS = 'usage:users';

export interface SharedUsageOptions {
  /** How often unwritten bytes are written and watched totals re-read (default 1000 ms). */
  flushMs?: number;
  /** One user's unwritten bytes that start a flush at once (default 1 MiB). */
  flushBytes?: number;
  onError?: (error: unknown) => void;
}

export class SharedUsageStore implements UsageStore {
  /** Last shared total per user this process knows of; its keys are the users it keeps up to date. */
  private readonly known = new Map<string, number>();
  private readonly listed = new Set<string>();
  private readonly counter: BatchedCounter;
  private readonly flushBytes: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: StateStore,
    private readonly options: SharedUsageOptions = {},
  ) {
    this.flushBytes = options.flushBytes ?? 1024 * 1024;
    this.counter = new BatchedCounter(store, {
      flushMs: 3_600_000, // this store's own timer drives flushes, so writes and re-reads alternate
      keyPrefix: USAGE_PREFIX,
      onError: options.onError,
      onWritten: (user, total) => this.known.set(user, total),
    });
    this.timer = setInterval(() => void this.sync(), options.flushMs ?? 1000);
    this.timer.unref();
  }

  get(user: string): number {
    const known = this.known.get(user);
    if (known === undefined) {
      // Watched from now on (re-read every flush); read at once, so a fresh process learns an old total soon.
      this.known.set(user, 0);
      void this.read(user);
    }
    return (known ?? 0) + this.counter.pendingFor(user);
  }

  private read(user: string): Promise<void> {
    return this.store.get(USAGE_PREFIX + user).then(
      (text) => void this.known.set(user, Number(text ?? 0) || 0),
      () => {}, // unreachable: keep the last total
    );
  }

  /** Per relayed chunk: two Map lookups and a sum, no allocation for a user already pending. */
  add(user: string, bytes: number): number {
    this.counter.add(user, bytes);
    const pending = this.counter.pendingFor(user);
    if (pending >= this.flushBytes) void this.counter.flush();
    if (!this.listed.has(user)) this.list(user);
    return (this.known.get(user) ?? 0) + pending;
  }

  private list(user: string): void {
    this.listed.add(user);
    this.store.sadd(USAGE_USERS, user).catch(() => this.listed.delete(user));
  }

  reset(user: string): void {
    this.counter.drop(user);
    this.known.set(user, 0);
    this.store.del(USAGE_PREFIX + user).catch((error) => this.options.onError?.(error));
  }

  /** The server's sweep: starts a write of what is pending (the store is shared; nothing to save here). */
  flush(): void {
    void this.counter.flush();
  }

  /** Writes what is pending, then re-reads the watched users' totals. */
  async sync(): Promise<void> {
    await this.counter.flush();
    const reads: Promise<void>[] = [];
    for (const user of this.known.keys()) if (this.counter.pendingFor(user) === 0) reads.push(this.read(user));
    await Promise.all(reads);
  }

  /** Stops the timer and writes what is pending; resolves with the users whose bytes could not be written. */
  close(): Promise<string[]> {
    clearInterval(this.timer);
    return this.counter.close();
  }
}

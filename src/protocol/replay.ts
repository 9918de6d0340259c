/**
 * Anti-replay cache. [docs/protocol.md "Replay protection"; mtprotoproxy / telemt replay protection]
 * Keys: the fake-TLS hello random (32 bytes) or obfuscated2 header bytes 8..56 (48 bytes). `seen` returns
 * true when the key was already there and records it otherwise, in one step, so two racing copies of a hello
 * cannot both pass. A shared store (Redis) implements the same interface with SET NX PX (src/state/replay.ts).
 *
 * The default keeps entries in an LRU sized by a memory budget: the budget over what one entry costs gives the
 * entry count (`maxEntries` may lower it). Each entry lives for its TTL unless the budget is reached first; then
 * the oldest goes (`seen` never refreshes an entry, so the LRU order is the order of arrival). So how long a
 * header is remembered — the replay window — is the oldest entry's age once the cache is full: it follows the
 * handshake rate, and `window()` reports it (docs/security.md, "Replay window").
 * The clock is injected (no timers: lru-cache's ttlResolution is 0, so it never schedules one).
 */
import { LRUCache } from 'lru-cache';

export interface ReplayCache {
  seen(key: Uint8Array, ttlMs: number): boolean | Promise<boolean>;
  /** What the cache holds and how long its oldest entry has been there; absent for a shared store. */
  window?(): ReplayWindow;
}

export interface ReplayWindow {
  /** Entries held now. */
  entries: number;
  /** Entries the budget holds: from here on each new entry evicts the oldest. */
  capacity: number;
  /** The memory budget the capacity was derived from (bytes). */
  budgetBytes: number;
  /** Age of the oldest entry (ms, whole seconds; 0 when empty): how long the next header to be forgotten was remembered. */
  oldestAgeMs: number;
}

export interface MemoryReplayCacheOptions {
  /** Memory budget in bytes (`[tls] replay_memory`); default 32 MiB. */
  readonly maxBytes?: number;
  /** A lower bound on entries than the budget gives (`[tls] replay_entries`); default none. */
  readonly maxEntries?: number;
  /** Milliseconds clock (monotonic preferred); default performance.now. */
  readonly clock?: () => number;
}

/**
 * Heap bytes one entry costs: measured 157 B with 48-byte keys (lru-cache 11, Node 20: the latin1 key string,
 * its Map slot, the LRU's preallocated index, value and TTL arrays), rounded up.
 */
export const REPLAY_ENTRY_BYTES = 160;
export const DEFAULT_REPLAY_BYTES = 32 * 1024 * 1024;

export class MemoryReplayCache implements ReplayCache {
  private readonly cache: LRUCache<string, number>;
  private readonly clock: () => number;
  private readonly budgetBytes: number;
  readonly capacity: number;

  constructor(options: MemoryReplayCacheOptions = {}) {
    this.clock = options.clock ?? (() => performance.now());
    this.budgetBytes = options.maxBytes ?? DEFAULT_REPLAY_BYTES;
    const byBudget = Math.max(1, Math.floor(this.budgetBytes / REPLAY_ENTRY_BYTES));
    this.capacity = Math.min(byBudget, options.maxEntries ?? byBudget);
    // lru-cache treats a start time of 0 as "no TTL", so time is counted from 1 at construction.
    const origin = this.clock();
    this.cache = new LRUCache<string, number>({
      max: this.capacity,
      ttlResolution: 0,
      ttlAutopurge: false,
      // Iteration (window()) sees expired entries too: they hold their slot until evicted or touched.
      allowStale: true,
      perf: { now: () => this.clock() - origin + 1 },
    });
  }

  seen(key: Uint8Array, ttlMs: number): boolean {
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    if (this.cache.has(id)) return true;
    // The value is the arrival second (a small integer, no heap number per entry): window() reads the oldest.
    this.cache.set(id, Math.floor(this.clock() / 1000), { ttl: Math.max(1, Math.ceil(ttlMs)) });
    return false;
  }

  window(): ReplayWindow {
    const oldest = this.cache.rvalues().next().value as number | undefined;
    return {
      entries: this.cache.size,
      capacity: this.capacity,
      budgetBytes: this.budgetBytes,
      oldestAgeMs: oldest === undefined ? 0 : Math.max(0, (Math.floor(this.clock() / 1000) - oldest) * 1000),
    };
  }

  get size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Anti-replay cache. [docs/protocol.md "Replay protection"; mtprotoproxy / telemt replay protection]
 * Keys: the fake-TLS hello random (32 bytes) or obfuscated2 header bytes 8..56 (48 bytes). `seen` returns
 * true when the key was already there and records it otherwise, in one step, so two racing copies of a hello
 * cannot both pass. A shared store (Redis, later) implements the same interface with SET NX PX.
 *
 * The default keeps entries in an LRU bounded in count and bytes, each for its TTL (callers pass at least
 * the timestamp window, so a hello stays remembered for as long as its timestamp would be accepted). Under a
 * flood beyond the bound the oldest entries go first; the bound is what keeps memory flat.
 * The clock is injected (no timers: lru-cache's ttlResolution is 0, so it never schedules one).
 */
import { LRUCache } from 'lru-cache';

export interface ReplayCache {
  seen(key: Uint8Array, ttlMs: number): boolean | Promise<boolean>;
}

export interface MemoryReplayCacheOptions {
  /** Maximum entries; default 1 000 000. */
  readonly maxEntries?: number;
  /** Maximum bytes of keys plus a fixed per-entry overhead; default 64 MiB. */
  readonly maxBytes?: number;
  /** Milliseconds clock (monotonic preferred); default performance.now. */
  readonly clock?: () => number;
}

/** Rough per-entry overhead of the LRU's slots and the key string, counted against maxBytes. */
const ENTRY_OVERHEAD = 64;

export class MemoryReplayCache implements ReplayCache {
  private readonly cache: LRUCache<string, true>;

  constructor(options: MemoryReplayCacheOptions = {}) {
    const clock = options.clock ?? (() => performance.now());
    // lru-cache treats a start time of 0 as "no TTL", so time is counted from 1 at construction.
    const origin = clock();
    this.cache = new LRUCache<string, true>({
      max: options.maxEntries ?? 1_000_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (_v, key) => key.length + ENTRY_OVERHEAD,
      ttlResolution: 0,
      ttlAutopurge: false,
      perf: { now: () => clock() - origin + 1 },
    });
  }

  seen(key: Uint8Array, ttlMs: number): boolean {
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    if (this.cache.has(id)) return true;
    this.cache.set(id, true, { ttl: Math.max(1, Math.ceil(ttlMs)) });
    return false;
  }

  get size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * In-memory StateStore: one Map of entries with an optional expiry each. Expired entries are dropped when
 * touched and by a bounded sweep, so memory follows the live keys. The clock is injectable for tests.
 */
import type { StateStore } from './store.js';

interface Entry {
  value: string | Set<string>;
  expiresAt: number; // 0 = never
}

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlMs?: number): number {
    return ttlMs && ttlMs > 0 ? this.now() + ttlMs : 0;
  }

  /** Every 1024 writes, look at up to 256 entries and drop the expired ones (bounded work per call). */
  private maybeSweep(): void {
    if (++this.writes % 1024 !== 0) return;
    const now = this.now();
    let looked = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.entries.delete(key);
      if (++looked >= 256) break;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.live(key);
    return typeof entry?.value === 'string' ? entry.value : undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.maybeSweep();
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      await this.set(key, String(by), ttlMs);
      return by;
    }
    const next = Number(entry.value) + by;
    entry.value = String(next);
    return next;
  }

  private setOf(key: string, create: boolean, ttlMs?: number): Set<string> | undefined {
    const entry = this.live(key);
    if (entry && entry.value instanceof Set) {
      if (ttlMs) entry.expiresAt = this.expiry(ttlMs);
      return entry.value;
    }
    if (!create) return undefined;
    this.maybeSweep();
    const fresh = new Set<string>();
    this.entries.set(key, { value: fresh, expiresAt: this.expiry(ttlMs) });
    return fresh;
  }

  async sadd(key: string, member: string, ttlMs?: number): Promise<boolean> {
    const set = this.setOf(key, true, ttlMs)!;
    if (set.has(member)) return false;
    set.add(member);
    return true;
  }

  async srem(key: string, member: string): Promise<boolean> {
    return this.setOf(key, false)?.delete(member) ?? false;
  }

  async smembers(key: string): Promise<string[]> {
    return [...(this.setOf(key, false) ?? [])];
  }

  async scard(key: string): Promise<number> {
    return this.setOf(key, false)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

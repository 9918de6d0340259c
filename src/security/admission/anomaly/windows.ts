/**
 * Counting building blocks for the detector, all bounded in memory (LRU on keys, caps on samples):
 * a sliding-window event counter per key and a sliding-window distinct-member set per key.
 */
import { LRUCache } from 'lru-cache';

/** Events per key within the last `windowMs` (timestamps kept up to `cap` per key). */
export class SlidingCounter {
  private readonly keys: LRUCache<string, number[]>;

  constructor(
    private readonly windowMs: number,
    private readonly cap: number,
    maxKeys = 50_000,
  ) {
    this.keys = new LRUCache({ max: maxKeys });
  }

  add(key: string, at: number): number {
    let times = this.keys.get(key);
    if (!times) {
      times = [];
      this.keys.set(key, times);
    }
    times.push(at);
    const from = at - this.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= from) drop++;
    if (times.length - drop > this.cap) drop = times.length - this.cap;
    if (drop > 0) times.splice(0, drop);
    return times.length;
  }

  count(key: string, at: number): number {
    const times = this.keys.get(key);
    if (!times) return 0;
    return times.filter((t) => t > at - this.windowMs).length;
  }
}

/** Distinct members (e.g. IPs) per key (e.g. user) seen within the last `windowMs`. */
export class DistinctWindow {
  private readonly keys: LRUCache<string, Map<string, number>>;

  constructor(
    private readonly windowMs: number,
    private readonly capPerKey = 10_000,
    maxKeys = 50_000,
  ) {
    this.keys = new LRUCache({ max: maxKeys });
  }

  add(key: string, member: string, at: number): number {
    let members = this.keys.get(key);
    if (!members) {
      members = new Map();
      this.keys.set(key, members);
    }
    members.delete(member); // re-insert so the Map stays ordered by last sight
    members.set(member, at);
    for (const [name, seen] of members) {
      if (seen > at - this.windowMs && members.size <= this.capPerKey) break;
      members.delete(name);
    }
    return members.size;
  }

  members(key: string): string[] {
    return [...(this.keys.get(key)?.keys() ?? [])];
  }
}

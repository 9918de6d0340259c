import { describe, expect, it } from 'vitest';
import { MemoryReplayCache, type ReplayCache } from '../../src/protocol/replay.js';

const key = (n: number, size = 32) => new Uint8Array(size).fill(n & 0xff).map((b, i) => (i === 0 ? n >> 8 : b));

describe('MemoryReplayCache', () => {
  it('returns false the first time and true for a replay within the TTL', () => {
    let now = 1000;
    const cache: ReplayCache = new MemoryReplayCache({ clock: () => now });
    expect(cache.seen(key(1), 240_000)).toBe(false);
    expect(cache.seen(key(1), 240_000)).toBe(true);
    expect(cache.seen(key(2), 240_000)).toBe(false);
    now += 239_000;
    expect(cache.seen(key(1), 240_000)).toBe(true);
  });

  it('forgets entries after their TTL, using the injected clock', () => {
    let now = 0;
    const cache = new MemoryReplayCache({ clock: () => now });
    expect(cache.seen(key(7), 1000)).toBe(false);
    now = 1001;
    expect(cache.seen(key(7), 1000)).toBe(false);
    expect(cache.seen(key(7), 1000)).toBe(true);
  });

  it('is bounded in entries and in bytes', () => {
    const byCount = new MemoryReplayCache({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) byCount.seen(key(i), 60_000);
    expect(byCount.size).toBe(100);
    expect(byCount.seen(key(999), 60_000)).toBe(true);
    expect(byCount.seen(key(0), 60_000)).toBe(false);
    const byBytes = new MemoryReplayCache({ maxBytes: 10 * (48 + 64) });
    for (let i = 0; i < 50; i++) byBytes.seen(key(i, 48), 60_000);
    expect(byBytes.size).toBeLessThanOrEqual(10);
  });
});

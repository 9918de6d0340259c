/**
 * Two mtshield processes on one Redis, played by two RedisStateStore clients on one real redis-server on
 * 127.0.0.1: the replay window is shared, a block written by one (through the security layer's BlockManager
 * keys) is loaded by the other, a quota counter batched on both sums exactly. Then Redis is stopped and started
 * again mid-run: commands fail at once with ERR_STATE_UNAVAILABLE while it is down (none hangs), a batched
 * counter keeps its sums, and both clients work again once it is back. Skipped when redis-server is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../src/state/redis.js';
import { StoreReplayCache } from '../../src/state/replay.js';
import { BatchedCounter } from '../../src/state/batched-counter.js';
import { BlockManager } from '../../src/security/admission/blocks.js';
import { ManualClock } from '../../src/security/clock.js';
import { RestartableRedis, redisAvailable } from './redis-server.js';

const available = redisAvailable();
if (!available) console.warn('redis-server is not installed: skipping the shared-Redis tests');

describe.skipIf(!available)('two processes on one Redis', () => {
  let redis: RestartableRedis;
  let a: RedisStateStore;
  let b: RedisStateStore;

  beforeAll(async () => {
    redis = await RestartableRedis.start();
    [a, b] = await Promise.all([RedisStateStore.connect(redis.url, 'fleet:'), RedisStateStore.connect(redis.url, 'fleet:')]);
  });

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await redis?.down();
  });

  it('a hello seen by one is a replay on the other, and a race on one key has one winner', async () => {
    const hello = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    expect(await new StoreReplayCache(a).seen(hello, 60_000)).toBe(false);
    expect(await new StoreReplayCache(b).seen(hello, 60_000)).toBe(true);
    const keys = Array.from({ length: 100 }, (_, i) => `race:${i}`);
    const [winsA, winsB] = await Promise.all([Promise.all(keys.map((k) => a.setIfAbsent(k, 'a', 60_000))), Promise.all(keys.map((k) => b.setIfAbsent(k, 'b', 60_000)))]);
    keys.forEach((_, i) => expect(winsA[i] !== winsB[i]).toBe(true));
  });

  it('a block set on one bites on the other (BlockManager keys)', async () => {
    const clock = new ManualClock(Date.now());
    const onA = new BlockManager(clock, a);
    onA.add('203.0.113.7', 'abuse', { ttlMs: 60_000, source: 'api' });
    const onB = new BlockManager(clock, b);
    // The write is fire-and-forget on A; B loads once it is there.
    for (let i = 0; i < 50 && (await b.scard('blocks')) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await onB.load()).toBe(1);
    expect(onB.match('203.0.113.7')).toMatchObject({ cidr: '203.0.113.7/32', reason: 'abuse' });
    expect(onB.match('203.0.113.8')).toBeUndefined();
  });

  it('a quota counter batched on both sums exactly', async () => {
    const onA = new BatchedCounter(a, { flushMs: 20, ttlMs: 86_400_000 });
    const onB = new BatchedCounter(b, { flushMs: 20, ttlMs: 86_400_000 });
    for (let i = 0; i < 10_000; i++) {
      onA.add('quota:alice', 1024);
      onB.add('quota:alice', 512);
    }
    expect(await onA.close()).toEqual([]);
    expect(await onB.close()).toEqual([]);
    expect(await a.get('quota:alice')).toBe(String(10_000 * 1536));
  });

  it('Redis stopped and started again: typed errors at once while down, then both clients work again', async () => {
    const counter = new BatchedCounter(a, { flushMs: 60_000 });
    await redis.down();
    const started = Date.now();
    await expect(a.setIfAbsent('during-outage', '1', 1000)).rejects.toMatchObject({ code: 'ERR_STATE_UNAVAILABLE' });
    await expect(b.get('anything')).rejects.toMatchObject({ code: 'ERR_STATE_UNAVAILABLE', message: expect.not.stringContaining('anything') });
    expect(Date.now() - started).toBeLessThan(2000);
    counter.add('quota:bob', 100);
    await counter.flush();
    expect(counter.pendingFor('quota:bob')).toBe(100);

    await redis.up();
    const back = async (store: RedisStateStore): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        try {
          await store.get('probe');
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error('did not reconnect');
    };
    await Promise.all([back(a), back(b)]);
    // A fresh server without persistence: the replay window starts empty and is shared again.
    expect(await a.setIfAbsent('after-outage', '1', 60_000)).toBe(true);
    expect(await b.setIfAbsent('after-outage', '1', 60_000)).toBe(false);
    expect(await counter.close()).toEqual([]);
    expect(await b.get('quota:bob')).toBe('100');
  });
});

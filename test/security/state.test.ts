/**
 * The StateStore contract, run against the memory store and against a real redis-server; the replay cache
 * and a rate limiter on top of each. Without redis-server on PATH the Redis half is skipped (test/helpers/redis.ts
 * says how to install it); the memory half always runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { RedisStateStore } from '../../src/state/redis.js';
import { StoreReplayCache } from '../../src/state/replay.js';
import type { StateStore } from '../../src/state/store.js';
import { limiterFactoryFor, isOverLimit } from '../../src/security/admission/limiter-factory.js';
import { BlockManager } from '../../src/security/admission/blocks.js';
import { ManualClock } from '../../src/security/clock.js';
import { redisAvailable, startRedis, type RedisServer } from '../helpers/redis.js';

const withRedis = redisAvailable();
let redis: RedisServer;
let redisStore: RedisStateStore;
let memoryNow = 1_000_000;
const memoryStore = new MemoryStateStore(() => memoryNow);

beforeAll(async () => {
  if (!withRedis) return;
  redis = await startRedis();
  redisStore = await RedisStateStore.connect(redis.url, `t${process.pid}:`);
});

afterAll(async () => {
  await redisStore?.close();
  await redis?.stop();
});

const stores: [string, () => StateStore, (ms: number) => Promise<void>][] = [
  ['memory', () => memoryStore, async (ms) => void (memoryNow += ms)],
  ['redis', () => redisStore, (ms) => new Promise((r) => setTimeout(r, ms))],
];

for (const [name, store, pass] of stores) describe.skipIf(name === 'redis' && !withRedis)(`${name} StateStore`, () => {
  it('get / set / del', async () => {
    const s = store();
    expect(await s.get('a')).toBeUndefined();
    await s.set('a', 'one');
    expect(await s.get('a')).toBe('one');
    await s.del('a');
    expect(await s.get('a')).toBeUndefined();
  });

  it('values expire after their TTL', async () => {
    const s = store();
    await s.set('ttl', 'x', 400);
    expect(await s.get('ttl')).toBe('x');
    await pass(500);
    expect(await s.get('ttl')).toBeUndefined();
  });

  it('setIfAbsent is first-writer-wins', async () => {
    const s = store();
    expect(await s.setIfAbsent('nx', '1', 10_000)).toBe(true);
    expect(await s.setIfAbsent('nx', '2', 10_000)).toBe(false);
    expect(await s.get('nx')).toBe('1');
  });

  it('incr counts and keeps the TTL of the first write', async () => {
    const s = store();
    expect(await s.incr('n', 1, 400)).toBe(1);
    expect(await s.incr('n', 5, 400)).toBe(6);
    await pass(500);
    expect(await s.incr('n', 1, 400)).toBe(1);
  });

  it('sets: add, remove, members, card', async () => {
    const s = store();
    expect(await s.sadd('set', 'a')).toBe(true);
    expect(await s.sadd('set', 'a')).toBe(false);
    expect(await s.sadd('set', 'b')).toBe(true);
    expect((await s.smembers('set')).sort()).toEqual(['a', 'b']);
    expect(await s.scard('set')).toBe(2);
    expect(await s.srem('set', 'a')).toBe(true);
    expect(await s.srem('set', 'a')).toBe(false);
    expect(await s.smembers('set')).toEqual(['b']);
  });

  it('the replay cache reports the second sighting only', async () => {
    const cache = new StoreReplayCache(store());
    const key = new Uint8Array([1, 2, 3, 4]);
    expect(await cache.seen(key, 10_000)).toBe(false);
    expect(await cache.seen(key, 10_000)).toBe(true);
    expect(await cache.seen(new Uint8Array([1, 2, 3, 5]), 10_000)).toBe(false);
  });
});

describe('Redis unavailable', () => {
  it('connecting to a port with no Redis fails with a typed error, without hanging', async () => {
    const { freePort } = await import('../helpers/net.js');
    const port = await freePort();
    await expect(RedisStateStore.connect(`redis://:hunter2@127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'ERR_SECURITY_STATE', message: expect.not.stringContaining('hunter2') });
  });
});

describe('rate-limiter-flexible on the store', () => {
  for (const [name, store] of [['memory', () => memoryStore], ['redis', () => redisStore]] as const) {
    it.skipIf(name === 'redis' && !withRedis)(`${name}: the third point in a 2-point window is refused`, async () => {
      const limiter = limiterFactoryFor(store())({ keyPrefix: `test_${Date.now()}`, points: 2, durationSec: 30 });
      await limiter.consume('198.51.100.1');
      await limiter.consume('198.51.100.1');
      const third = await limiter.consume('198.51.100.1').then(() => 'allowed', (e) => (isOverLimit(e) ? 'limited' : 'error'));
      expect(third).toBe('limited');
      await expect(limiter.consume('198.51.100.2')).resolves.toBeTruthy();
    });
  }

  it.skipIf(!withRedis)('blocks written by one process are loaded by another on the same Redis', async () => {
    const clock = new ManualClock(Date.now());
    const first = new BlockManager(clock, redisStore);
    first.add('203.0.113.0/24', 'shared', { ttlMs: 60_000 });
    first.add('198.51.100.9', 'shared too');
    await new Promise((r) => setTimeout(r, 50)); // the writes are fire-and-forget
    const second = new BlockManager(clock, redisStore);
    expect(await second.load()).toBe(2);
    expect(second.match('203.0.113.77')?.reason).toBe('shared');
    expect(second.match('198.51.100.9')?.reason).toBe('shared too');
    expect(second.match('198.51.100.10')).toBeUndefined();
  });
});

/** Polls (bounded) until `check` holds: the layers write to Redis without waiting. */
async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  for (const start = Date.now(); !(await check()); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!withRedis)('a fleet of security layers on one Redis', () => {
  it('blocks and failed-handshake limits are shared between two layers', async () => {
    const { EventBus } = await import('../../src/events.js');
    const { createSecurityLayer, ManualClock } = await import('../../src/security/index.js');
    const { buildConfig } = await import('../../src/config/load.js');
    const config = buildConfig({
      state: { backend: 'redis', redis_url: redis.url, prefix: `fleet${process.pid}:` },
      policy: { rate_limits: { mode: 'enforce' } },
      limits: { per_ip: { failed_handshakes_per_minute: 4 } },
    }, 'test');
    const clock = new ManualClock(Date.now());
    const a = await createSecurityLayer({ config, bus: new EventBus(), clock, timers: false });
    const b = await createSecurityLayer({ config, bus: new EventBus(), clock, timers: false });
    try {
      const ref = (id: number, ip: string) => ({ id, remoteAddress: ip, remotePort: 1, localAddress: '127.0.0.1', localPort: 443 });
      a.blocks.add('192.0.2.0/24', 'fleet block', { ttl: '10m' });
      const view = await RedisStateStore.connect(redis.url, `fleet${process.pid}:`);
      await until(async () => (await view.get('block:192.0.2.0/24')) !== undefined);
      await view.close();
      const c = await createSecurityLayer({ config, bus: new EventBus(), clock, timers: false });
      expect(await c.gate.onAccept(ref(1, '192.0.2.3'))).toMatchObject({ allow: false, by: 'block' });
      await c.close();
      // Two failures seen by each process: the shared counter reaches the limit of 4 for both.
      for (let i = 0; i < 2; i++) {
        a.gate.onHandshake!(ref(10 + i, '198.51.100.4'), { ok: false, reason: 'bad_secret' });
        b.gate.onHandshake!(ref(20 + i, '198.51.100.4'), { ok: false, reason: 'bad_secret' });
      }
      await until(async () => !(await a.gate.onAccept(ref(30, '198.51.100.4'))).allow);
      expect(await a.gate.onAccept(ref(30, '198.51.100.4'))).toMatchObject({ allow: false, by: 'rate_limit' });
      expect(await b.gate.onAccept(ref(31, '198.51.100.4'))).toMatchObject({ allow: false, by: 'rate_limit' });
      expect(await b.gate.onAccept(ref(32, '198.51.100.5'))).toEqual({ allow: true });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the security layer replay cache', () => {
  const key = (i: number) => new Uint8Array(32).fill(i);

  it('memory backend: bounded by tls.replay_entries (a flood of fresh hellos evicts the oldest, never grows)', async () => {
    const { EventBus } = await import('../../src/events.js');
    const { createSecurityLayer } = await import('../../src/security/index.js');
    const { buildConfig } = await import('../../src/config/load.js');
    const config = buildConfig({ tls: { replay_entries: 3 } }, 'test');
    const layer = await createSecurityLayer({ config, bus: new EventBus(), timers: false });
    try {
      for (let i = 0; i < 5; i++) expect(await layer.replayCache.seen(key(i), 600_000)).toBe(false);
      expect(await layer.replayCache.seen(key(4), 600_000)).toBe(true); // a replay inside the bound is caught
      expect(await layer.replayCache.seen(key(0), 600_000)).toBe(false); // the oldest was evicted, not kept forever
    } finally {
      await layer.close();
    }
  });

  it.skipIf(!withRedis)('redis backend: one replay window for the fleet', async () => {
    const { EventBus } = await import('../../src/events.js');
    const { createSecurityLayer } = await import('../../src/security/index.js');
    const { buildConfig } = await import('../../src/config/load.js');
    const config = buildConfig({ tls: { replay_entries: 3 }, state: { backend: 'redis', redis_url: redis.url, prefix: `replay${process.pid}:` } }, 'test');
    const a = await createSecurityLayer({ config, bus: new EventBus(), timers: false });
    const b = await createSecurityLayer({ config, bus: new EventBus(), timers: false });
    try {
      expect(await a.replayCache.seen(key(7), 60_000)).toBe(false);
      expect(await b.replayCache.seen(key(7), 60_000)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

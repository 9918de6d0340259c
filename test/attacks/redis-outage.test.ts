/**
 * Attack: take the shared store away (kill or partition Redis) mid-run, either to shut every client out or to
 * open a window in which replayed hellos pass. With a REAL redis-server stopped under a running replay cache:
 * "open" (the default) keeps clients working and still catches a replay to this process; "closed" refuses
 * every handshake until Redis is back (docs/security.md, "State").
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../src/state/redis.js';
import { StoreReplayCache } from '../../src/state/replay.js';
import { redisAvailable, startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer | undefined;
let store: RedisStateStore | undefined;
afterEach(async () => {
  // Redis is gone: quit() would wait for a reconnect that never comes, so drop the client at once.
  store?.client.destroy();
  await redis?.stop().catch(() => {});
  store = undefined;
  redis = undefined;
});

async function storeThenStop(): Promise<RedisStateStore> {
  redis = await startRedis();
  store = await RedisStateStore.connect(redis.url, `outage${process.pid}:`);
  return store;
}

describe.skipIf(!redisAvailable())('attack: redis stopped mid-run', () => {
  it('an attacker who stops Redis cannot shut every client out, nor replay a hello to this process (open)', async () => {
    const s = await storeThenStop();
    const cache = new StoreReplayCache(s);
    const before = randomBytes(32);
    expect(await cache.seen(before, 60_000)).toBe(false);
    expect(await cache.seen(before, 60_000)).toBe(true);
    await redis!.stop();
    const during = randomBytes(32);
    expect(await cache.seen(during, 60_000)).toBe(false); // a fresh hello still gets in
    expect(await cache.seen(during, 60_000)).toBe(true); // and its replay is still caught here
    expect(cache.storeErrors).toBe(2);
  });

  it('with replay_on_outage = "closed" nothing passes while Redis is down', async () => {
    const s = await storeThenStop();
    const cache = new StoreReplayCache(s, 'replay:', 'closed');
    expect(await cache.seen(randomBytes(32), 60_000)).toBe(false);
    await redis!.stop();
    expect(await cache.seen(randomBytes(32), 60_000)).toBe(true);
  });
});

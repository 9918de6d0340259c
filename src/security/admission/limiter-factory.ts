/**
 * Where rate-limiter-flexible limiters come from: RateLimiterMemory for one process, RateLimiterRedis when the
 * state store is Redis (same points/duration semantics, counters shared by the fleet). Callers only see
 * `RateLimiterAbstract`, so the store is a config choice, not a code change.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { StateStore } from '../../state/store.js';
import { RedisStateStore } from '../../state/redis.js';

export interface LimiterSpec {
  keyPrefix: string;
  points: number;
  durationSec: number;
}

export type LimiterFactory = (spec: LimiterSpec) => RateLimiterAbstract;

export function limiterFactoryFor(store: StateStore | undefined, prefix = 'mtshield:'): LimiterFactory {
  if (store instanceof RedisStateStore) {
    return (spec) =>
      new RateLimiterRedis({
        storeClient: store.client,
        useRedisPackage: true,
        keyPrefix: `${prefix}rl:${spec.keyPrefix}`,
        points: spec.points,
        duration: spec.durationSec,
      });
  }
  return (spec) => new RateLimiterMemory({ keyPrefix: spec.keyPrefix, points: spec.points, duration: spec.durationSec });
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit, and with an Error on store failure. */
export function isOverLimit(rejection: unknown): boolean {
  return !(rejection instanceof Error);
}

/** State stores: memory (one process) and Redis (a fleet), behind one interface. */
export type { StateStore } from './store.js';
export { MemoryStateStore } from './memory.js';
export { RedisStateStore } from './redis.js';
export { StoreReplayCache } from './replay.js';
import { MtShieldError } from '../errors.js';
import type { StateStore } from './store.js';
import { MemoryStateStore } from './memory.js';
import { RedisStateStore } from './redis.js';

export async function openStateStore(options: { backend: 'memory' | 'redis'; redisUrl?: string; prefix?: string; now?: () => number }): Promise<StateStore> {
  if (options.backend === 'redis') {
    if (!options.redisUrl) throw new MtShieldError('ERR_SECURITY_STATE', 'state.redis_url is required when state.backend = "redis"');
    return RedisStateStore.connect(options.redisUrl, options.prefix);
  }
  return new MemoryStateStore(options.now);
}

/** State stores: memory (one process), IPC to the primary (node:cluster workers) and Redis (a fleet), behind one interface. */
export type { StateStore } from './store.js';
export { MemoryStateStore } from './memory.js';
export { RedisStateStore } from './redis.js';
export { StoreReplayCache } from './replay.js';
export { IpcStateStore, type IpcStateStoreOptions } from './ipc.js';
export { StateIpcServer } from './ipc-server.js';
export { ipcChannelOf, type IpcChannel } from './ipc-channel.js';
export { BatchedCounter, type BatchedCounterOptions } from './batched-counter.js';
export { LeaseTable, type UserLeases, type LeaseLimits, type LeaseRefusal } from './user-leases.js';
export { RedisUserLeases } from './redis-leases.js';
export { SharedUsageStore } from './shared-usage.js';
export { UsageFileKeeper } from './usage-file.js';
export { shareUserState, type SharedUserState } from './shared-users.js';
export { StateIpcError, type StateIpcErrorCode } from './errors.js';
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
export { RuntimeOverlay, type OverlayRecords } from './overlay.js';
export { FileOverlayPersistence, StoreOverlayPersistence, writeFileAtomic, OVERLAY_FILE, OVERLAY_KEY, type OverlayPersistence } from './overlay-persistence.js';
export { mergeUsers, type UserChange, type UserSource, type OverlayUserSpec, type RetiredSecret } from './overlay-users.js';

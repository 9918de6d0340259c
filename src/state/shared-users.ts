/**
 * What a process of a group shares about users (docs/fleet.md): byte counts (shared-usage.ts) and the leases
 * behind `max_connections` / `max_ips` (user-leases.ts), over the group's store — the primary over IPC (its
 * LeaseTable, one owner per worker) or Redis (expiring leases, redis-leases.ts). A process alone on the memory
 * backend shares nothing: its user directory keeps its own counts, as before.
 */
import { IpcStateStore } from './ipc.js';
import { RedisStateStore } from './redis.js';
import { RedisUserLeases } from './redis-leases.js';
import { SharedUsageStore, type SharedUsageOptions } from './shared-usage.js';
import type { StateStore } from './store.js';
import type { UserLeases } from './user-leases.js';

export interface SharedUserState {
  usage: SharedUsageStore;
  leases: UserLeases;
  /** Writes the bytes not yet written and gives the leases back (after the proxy stopped). */
  close(): Promise<void>;
}

export function shareUserState(store: StateStore, options: SharedUsageOptions = {}): SharedUserState | undefined {
  let leases: UserLeases;
  if (store instanceof IpcStateStore) leases = store.leases();
  else if (store instanceof RedisStateStore) leases = new RedisUserLeases(store);
  else return undefined;
  const usage = new SharedUsageStore(store, options);
  return {
    usage,
    leases,
    async close() {
      await usage.close();
      await leases.close();
    },
  };
}
